import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UsageError } from './cli-config';
import { EXIT_CODES, exitCodeOf } from './exit-codes';
import { CorruptStateError, DirUnusableError, dirFailure, errnoOf, listenFailure, PortUnavailableError, type PortSpec } from './startup-errors';

const errno = (code: string, syscall: string, path?: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${syscall} ${code}`), { code, syscall, ...(path === undefined ? {} : { path }) });

const spec: PortSpec = { option: 'httpPort', service: 'HTTP gateway', host: '127.0.0.1', port: 8080 };

describe('Function: listenFailure', () => {
  it('translates a real EADDRINUSE from listen(2) into an in-use PortUnavailableError naming host, port and service', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    const second = createServer();
    const err = await new Promise<unknown>((r) => second.once('error', r).listen(port, '127.0.0.1'));
    holder.close();
    const e = listenFailure(err, { ...spec, port });
    expect(e).toBeInstanceOf(PortUnavailableError);
    expect(e?.problem).toBe('in-use');
    expect(e?.message).toBe(`cannot listen on 127.0.0.1:${port} (HTTP gateway): the port is already in use`);
    expect(e?.cause).toBe(err);
  });

  it('tells a privileged port and a foreign address apart, and leaves other errors alone', () => {
    expect(listenFailure(errno('EACCES', 'listen'), spec)?.problem).toBe('denied');
    expect(listenFailure(errno('EADDRNOTAVAIL', 'listen'), spec)?.problem).toBe('address-unavailable');
    expect(listenFailure(errno('EACCES', 'open', '/x'), spec)).toBeUndefined();
    expect(listenFailure(new Error('boom'), spec)).toBeUndefined();
  });
});

describe('Function: dirFailure', () => {
  it('translates a permission error on the dir, inside it or on a parent, naming the path', () => {
    const e = dirFailure(new Error('wrapped', { cause: errno('EACCES', 'open', '/data/state/registry/things.journal') }), '/data/state');
    expect(e).toBeInstanceOf(DirUnusableError);
    expect(e?.problem).toBe('not-writable');
    expect(e?.info).toEqual({ path: '/data/state/registry/things.journal', errno: 'EACCES' });
    expect(dirFailure(errno('EACCES', 'mkdir', '/data'), '/data/state')?.info.path).toBe('/data');
    expect(dirFailure(errno('EROFS', 'open', '/data/state/x'), '/data/state')?.message).toContain('read-only file system');
  });

  it('leaves alone errors about other paths, listen errors and non-permission errors', () => {
    expect(dirFailure(errno('EACCES', 'open', '/etc/shadow'), '/data/state')).toBeUndefined();
    expect(dirFailure(errno('EACCES', 'open', '/data/state-2/x'), '/data/state')).toBeUndefined();
    expect(dirFailure(errno('EACCES', 'listen'), '/data/state')).toBeUndefined();
    expect(dirFailure(errno('ENOENT', 'open', '/data/state/x'), '/data/state')).toBeUndefined();
  });
});

describe('Function: errnoOf', () => {
  it('finds the OS error down a cause chain', () => {
    const os = errno('ENOSPC', 'write');
    expect(errnoOf(new Error('a', { cause: new Error('b', { cause: os }) }))).toBe(os);
    expect(errnoOf(new Error('plain'))).toBeUndefined();
  });
});

describe('Function: exitCodeOf', () => {
  it('gives each start-up failure its documented exit code, and none to an unexpected error', () => {
    expect(exitCodeOf(new UsageError(['--x: bad']))).toBe(2);
    expect(exitCodeOf(new PortUnavailableError(spec, 'in-use'))).toBe(3);
    expect(exitCodeOf(new DirUnusableError('/d', 'locked', 'locked'))).toBe(4);
    expect(exitCodeOf(new CorruptStateError('/d/f', 'corrupt'))).toBe(5);
    expect(exitCodeOf(new Error('bug'))).toBeUndefined();
    expect(new Set(Object.values(EXIT_CODES)).size).toBe(Object.keys(EXIT_CODES).length);
  });

  it('makes a corrupt file a non-retryable PP_ERR_STORE naming the file', () => {
    const e = new CorruptStateError('/d/f.journal', 'corrupt journal /d/f.journal at line 3');
    expect(e).toMatchObject({ code: 'PP_ERR_STORE', retryable: false, file: '/d/f.journal', details: { file: '/d/f.journal' } });
  });
});
