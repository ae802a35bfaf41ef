import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** Paths never written to logs: keys, certificates, tokens, secrets. */
export const REDACT_PATHS = [
  'key',
  'privateKey',
  '*.privateKey',
  'keyPair',
  '*.keyPair',
  'keyPem',
  '*.keyPem',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'certificatePem',
  '*.certificatePem',
];

export interface LoggerOptions {
  level?: string;
  /** Destination stream; defaults to stderr so stdout stays for machine-readable output. */
  destination?: NodeJS.WritableStream;
}

/**
 * Creates the root pino logger. Libraries take a logger from their caller and use
 * `logger.child({ component })`; they never create their own or use console.
 */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const dest = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino(
    {
      level: options.level ?? 'info',
      base: { component },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    dest,
  );
}

/** A logger that discards everything, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
