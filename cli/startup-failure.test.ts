import { describe, expect, it } from 'vitest';
import { CorruptStateError, DirUnusableError, PortUnavailableError } from '../common/startup-errors';
import { type StartupFlags, startupFailureLine } from './startup-failure';

const UP: StartupFlags = { dirLabel: 'data dir', dirFlag: '--data-dir', ports: { httpPort: '--http-port N', mqttPort: '--mqtt-port N' }, hostFlag: '--host' };
const http = { option: 'httpPort', service: 'HTTP gateway', host: '127.0.0.1', port: 8080 };

describe('Function: startupFailureLine', () => {
  it('names the port and its flag, suggesting 0 or another port', () => {
    expect(startupFailureLine(new PortUnavailableError(http, 'in-use'), UP)).toBe(
      'cannot listen on 127.0.0.1:8080 (HTTP gateway): the port is already in use — stop what holds it, or pass --http-port 0 (any free port) or another port',
    );
    expect(startupFailureLine(new PortUnavailableError({ ...http, port: 80 }, 'denied'), UP)).toContain('pass --http-port 0 (any free port) or a port above 1023');
    expect(startupFailureLine(new PortUnavailableError({ ...http, host: '10.9.9.9' }, 'address-unavailable'), UP)).toContain('pass --host with an address of this machine');
  });

  it('names the dir and its flag for a lock, a permission problem and a newer format', () => {
    expect(startupFailureLine(new DirUnusableError('/d', 'locked', '/d is in use', { pid: 42 }), UP)).toBe(
      'data dir /d is in use by another pulsepet (pid 42) — stop it first, or pass --data-dir with another directory',
    );
    const perm = new DirUnusableError('/d', 'not-writable', 'cannot write in /d: permission denied (EACCES on /d/x)', { path: '/d/x', errno: 'EACCES' });
    expect(startupFailureLine(perm, UP)).toBe(
      'data dir /d is not writable: permission denied (EACCES on /d/x) — fix its owner or permissions, or pass --data-dir with another directory',
    );
    const newer = new DirUnusableError('/d', 'newer-format', 'data dir /d was written by pulsepet 9.9.9 (data format 2)', { writtenBy: 'pulsepet 9.9.9' });
    expect(startupFailureLine(newer, UP)).toBe('data dir /d was written by pulsepet 9.9.9 (data format 2) — run that pulsepet (or a newer one), or pass --data-dir with another directory');
  });

  it('names a corrupt file and what to do with it', () => {
    expect(startupFailureLine(new CorruptStateError('/d/s.journal', 'corrupt journal /d/s.journal at line 3'))).toBe(
      'corrupt journal /d/s.journal at line 3 — move /d/s.journal aside (or restore it from a backup) and start again',
    );
  });

  it('has no line for an unexpected error', () => {
    expect(startupFailureLine(new TypeError('x is undefined'), UP)).toBeUndefined();
  });
});
