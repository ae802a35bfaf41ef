/**
 * The one catalog of pulsepet error codes. Codes are stable, never reused, and
 * each is documented in docs/errors.md (a test checks that).
 */
export const ERROR_CATALOG = {
  PP_ERR_CONFIG: { retryable: false, description: 'Configuration (flags, env, config file) is invalid.' },
  PP_ERR_VALIDATION: { retryable: false, description: 'An input failed schema validation.' },
  PP_ERR_NOT_FOUND: { retryable: false, description: 'A named resource does not exist.' },
  PP_ERR_ALREADY_EXISTS: { retryable: false, description: 'A resource with that name or id already exists.' },
  PP_ERR_CONFLICT: { retryable: false, description: 'The request conflicts with the current state (version, attachment).' },
  PP_ERR_UNAUTHORIZED: { retryable: false, description: 'The principal is not allowed to perform the action.' },
  PP_ERR_LIMIT: { retryable: true, description: 'An IoT Core limit was exceeded (size, rate, count).' },
  PP_ERR_CERT: { retryable: false, description: 'A certificate or key could not be created, parsed or verified.' },
  PP_ERR_STORE: { retryable: true, description: 'Durable storage failed to read or write.' },
  PP_ERR_TRANSPORT: { retryable: true, description: 'A network transport failed (connect, publish, timeout).' },
  PP_ERR_OUTBOX_FULL: { retryable: false, description: 'The durable outbox is full and its policy dropped or refused data.' },
  PP_ERR_SQL: { retryable: false, description: 'IoT SQL or Timestream SQL outside the supported subset.' },
  PP_ERR_RULE_ACTION: { retryable: true, description: 'A rule action failed to deliver.' },
  PP_ERR_INTERNAL: { retryable: false, description: 'An unexpected internal failure.' },
  PP_ERR_PORT_UNAVAILABLE: { retryable: false, description: 'A port to listen on is in use, needs privileges, or is not on this machine.' },
  PP_ERR_DIR_UNUSABLE: {
    retryable: false,
    description: 'A state directory is not writable, is held by another running process, or was written by a newer pulsepet.',
  },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export interface PulsepetErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  details?: Record<string, unknown>;
}

/** Base of every domain error: stable `code`, `retryable`, and a chained `cause`. */
export class PulsepetError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: PulsepetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PulsepetError';
    this.code = code;
    this.retryable = options.retryable ?? ERROR_CATALOG[code].retryable;
    this.details = options.details;
  }
}

export function isPulsepetError(e: unknown, code?: ErrorCode): e is PulsepetError {
  return e instanceof PulsepetError && (code === undefined || e.code === code);
}
