/**
 * The exit codes of every `pulsepet` command, defined once and documented in the
 * README's CLI reference. Stable: a supervisor or script may branch on them.
 */
import { UsageError } from './cli-config';
import { CorruptStateError, DirUnusableError, PortUnavailableError } from './startup-errors';

export const EXIT_CODES = {
  /** success, or a clean stop on SIGINT/SIGTERM */
  ok: 0,
  /** an unexpected error (printed with its stack: a bug report) */
  unexpected: 1,
  /** bad flags, config or input */
  usage: 2,
  /** a port to listen on is in use, needs privileges, or is not on this machine */
  portUnavailable: 3,
  /** a state dir is not writable, held by another running process, or written by a newer pulsepet */
  dirUnusable: 4,
  /** a file of durable state is corrupt */
  corruptState: 5,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit code of a failure the user can cause and fix, or undefined for an unexpected one. */
export function exitCodeOf(e: unknown): ExitCode | undefined {
  if (e instanceof UsageError) return EXIT_CODES.usage;
  if (e instanceof PortUnavailableError) return EXIT_CODES.portUnavailable;
  if (e instanceof DirUnusableError) return EXIT_CODES.dirUnusable;
  if (e instanceof CorruptStateError) return EXIT_CODES.corruptState;
  return undefined;
}
