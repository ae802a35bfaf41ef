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

/** Whether a logger's own bindings (set by `child()`) name a component; cached per logger. */
const boundComponent = new WeakMap<object, boolean>();

/**
 * Creates the root pino logger. Libraries take a logger from their caller and use
 * `logger.child({ component })`; they never create their own or use console.
 *
 * Every line carries `component` exactly once: the root's name is not a pino binding
 * (a child's `component` would then be written beside it, the same key twice) but is
 * added by a mixin only to lines whose logger has no component of its own, so a
 * child's component replaces the root's and a log call's own `component` wins over both.
 */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const dest = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      mixin: (_obj, _level, logger) => {
        let bound = boundComponent.get(logger);
        if (bound === undefined) {
          bound = 'component' in logger.bindings();
          boundComponent.set(logger, bound);
        }
        return bound ? {} : { component };
      },
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
