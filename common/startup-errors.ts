/**
 * The start-up failures a user can cause: a port that cannot be listened on, a state
 * directory that cannot be used, a corrupt file of durable state. Each carries what a
 * CLI needs to say in one line which flag or file to change (cli/startup-failure.ts);
 * each maps to a stable exit code (common/exit-codes.ts). Errors of the OS are
 * translated here, once, wherever they surface.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { PulsepetError } from '../protocol/errors';

/** Why a port cannot be listened on. */
export type PortProblem = 'in-use' | 'denied' | 'address-unavailable';

/** One port a process listens on, named by the option that chose it. */
export interface PortSpec {
  /** the option that set the port (`httpPort`, `mqttPort`, `statusPort`…); the CLI maps it to its flag */
  option: string;
  /** what listens there, for people: `HTTP gateway`, `MQTT broker` */
  service: string;
  host: string;
  port: number;
}

const PORT_PROBLEM_TEXT: Record<PortProblem, string> = {
  'in-use': 'the port is already in use',
  denied: 'permission denied (ports below 1024 need privileges)',
  'address-unavailable': 'the address is not one of this machine',
};

/** A port (or the host address it is on) cannot be listened on. */
export class PortUnavailableError extends PulsepetError {
  constructor(
    readonly spec: PortSpec,
    readonly problem: PortProblem,
    cause?: unknown,
  ) {
    super('PP_ERR_PORT_UNAVAILABLE', `cannot listen on ${spec.host}:${spec.port} (${spec.service}): ${PORT_PROBLEM_TEXT[problem]}`, {
      cause,
      details: { ...spec, problem },
    });
    this.name = 'PortUnavailableError';
  }
}

/** Why a state directory cannot be used. */
export type DirProblem = 'not-writable' | 'locked' | 'newer-format';

/** What is known about a {@link DirUnusableError}: the path that failed, the lock holder, the writer. */
export interface DirProblemInfo {
  /** the file or dir the OS refused (not-writable) */
  path?: string;
  /** the errno code (not-writable) */
  errno?: string;
  /** the process holding the lock (locked) */
  pid?: number;
  /** the host of that process, when it is not this one (locked) */
  host?: string;
  /** which pulsepet wrote the dir (newer-format) */
  writtenBy?: string;
}

/** A state directory (data dir, outbox) cannot be used by this process. */
export class DirUnusableError extends PulsepetError {
  constructor(
    readonly dir: string,
    readonly problem: DirProblem,
    message: string,
    readonly info: DirProblemInfo = {},
    cause?: unknown,
  ) {
    super('PP_ERR_DIR_UNUSABLE', message, { cause, details: { dir, problem, ...info } });
    this.name = 'DirUnusableError';
  }
}

/**
 * A file of durable state is corrupt. Not retryable: the process refuses to start
 * over it rather than silently dropping what it held.
 */
export class CorruptStateError extends PulsepetError {
  constructor(
    readonly file: string,
    message: string,
    cause?: unknown,
  ) {
    super('PP_ERR_STORE', message, { cause, retryable: false, details: { file } });
    this.name = 'CorruptStateError';
  }
}

/** The OS error of `e` or of the first error in its `cause` chain that has an errno code. */
export function errnoOf(e: unknown): NodeJS.ErrnoException | undefined {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 10; cur = cur.cause, depth++) {
    const code = (cur as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return cur as NodeJS.ErrnoException;
  }
  return undefined;
}

const LISTEN_PROBLEMS: Record<string, PortProblem> = {
  EADDRINUSE: 'in-use',
  EACCES: 'denied',
  EPERM: 'denied',
  EADDRNOTAVAIL: 'address-unavailable',
};

/** Translates a failed listen(2) into a {@link PortUnavailableError}; anything else is left alone (undefined). */
export function listenFailure(e: unknown, spec: PortSpec): PortUnavailableError | undefined {
  if (e instanceof PortUnavailableError) return e;
  const os = errnoOf(e);
  if (os?.syscall !== 'listen' && os?.syscall !== 'bind') return undefined;
  const problem = LISTEN_PROBLEMS[os.code ?? ''];
  return problem === undefined ? undefined : new PortUnavailableError(spec, problem, e);
}

const FS_PROBLEM_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
};

/**
 * Translates a file-system error met while opening state under `dir` (on `dir`, a
 * path inside it, or one of its parents) into a not-writable {@link DirUnusableError}
 * naming the path the OS refused; anything else is left alone (undefined).
 */
export function dirFailure(e: unknown, dir: string): DirUnusableError | undefined {
  if (e instanceof DirUnusableError) return e;
  const os = errnoOf(e);
  const text = FS_PROBLEM_TEXT[os?.code ?? ''];
  if (os === undefined || text === undefined || os.syscall === 'listen' || os.syscall === 'bind') return undefined;
  const path = os.path ?? dir;
  if (!onPathOf(path, dir)) return undefined;
  return new DirUnusableError(dir, 'not-writable', `cannot write in ${dir}: ${text} (${os.code} on ${path})`, { path, errno: os.code ?? '' }, e);
}

/** `a` is `b`, inside it, or one of its parents. */
function onPathOf(a: string, b: string): boolean {
  return inside(a, b) || inside(b, a);
}

function inside(child: string, parent: string): boolean {
  const r = relative(resolve(parent), resolve(child));
  return !isAbsolute(r) && r.split(sep)[0] !== '..';
}
