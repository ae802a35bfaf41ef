/**
 * The one line a command prints when it cannot start for a reason the user can fix
 * (common/startup-errors.ts): the cause, and the flag or file to change. The errors
 * know options and paths; the flags they map to are the command's, given here.
 */
import { CorruptStateError, DirUnusableError, PortUnavailableError } from '../common/startup-errors';

/** How a command names what its start-up failures point at. */
export interface StartupFlags {
  /** what the state dir is, for people (`data dir`, `outbox`) */
  dirLabel: string;
  /** the flag that chooses it (`--data-dir`) */
  dirFlag: string;
  /** by the option that chose a port (PortSpec.option): its flag, with `N` where the port goes (`--http-port N`) */
  ports: Record<string, string>;
  /** the flag that chooses the listening address, if the command has one */
  hostFlag?: string;
}

/**
 * The line for a known start-up failure (without the `pulsepet CMD: ` prefix), or
 * undefined for any other error. Without `flags` (a command that does not listen or
 * own a dir) a port or dir failure is told by its message alone.
 */
export function startupFailureLine(e: unknown, flags?: StartupFlags): string | undefined {
  if (e instanceof PortUnavailableError) return flags ? portLine(e, flags) : e.message;
  if (e instanceof DirUnusableError) return flags ? dirLine(e, flags) : e.message;
  if (e instanceof CorruptStateError) {
    return `${e.message} — move ${e.file} aside (or restore it from a backup) and start again`;
  }
  return undefined;
}

function portLine(e: PortUnavailableError, flags: StartupFlags): string {
  const flag = flags.ports[e.spec.option];
  const zero = flag?.replace('N', '0');
  switch (e.problem) {
    case 'in-use':
      return `${e.message} — stop what holds it, or ${zero ? `pass ${zero} (any free port) or another port` : 'choose another port'}`;
    case 'denied':
      return `${e.message} — ${zero ? `pass ${zero} (any free port) or a port above 1023` : 'choose a port above 1023'}`;
    case 'address-unavailable':
      return `${e.message} — ${flags.hostFlag ? `pass ${flags.hostFlag} with an address of this machine, such as 127.0.0.1` : 'listen on an address of this machine'}`;
  }
}

function dirLine(e: DirUnusableError, flags: StartupFlags): string {
  const other = `pass ${flags.dirFlag} with another directory`;
  switch (e.problem) {
    case 'locked': {
      const who = e.info.pid === undefined ? 'another process' : `another pulsepet (pid ${e.info.pid}${e.info.host ? ` on ${e.info.host}` : ''})`;
      return `${flags.dirLabel} ${e.dir} is in use by ${who} — stop it first, or ${other}`;
    }
    case 'not-writable':
      return `${flags.dirLabel} ${e.dir} is not writable: ${e.message.replace(/^cannot write in \S+: /, '')} — fix its owner or permissions, or ${other}`;
    case 'newer-format':
      return `${e.message} — run that pulsepet (or a newer one), or ${other}`;
  }
}
