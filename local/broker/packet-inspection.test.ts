import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { ParsedPacket } from './aedes-internals';
import { ConnectionTable } from './connections';
import { inspectPacket } from './packet-inspection';

const limits = { maxFiltersPerSubscribe: 2 };
const session = () => new ConnectionTable().open(new PassThrough(), { kind: 'iam', accessKeyId: 'AKID' }, undefined);

describe('Function: inspectPacket', () => {
  it('marks a DISCONNECT as client-initiated', () => {
    const s = session();
    inspectPacket({ cmd: 'disconnect' }, s, 'c', limits, silentLogger());
    expect(s.reason).toBe('CLIENT_INITIATED_DISCONNECT');
  });

  it('refuses a SUBSCRIBE with more filters than the limit, so aedes closes the connection', () => {
    const s = session();
    const packet: ParsedPacket = { cmd: 'subscribe', subscriptions: [{ qos: 0 }, { qos: 1 }, { qos: 1 }] };
    inspectPacket(packet, s, 'c', limits, silentLogger());
    expect(packet.cmd).toBe('refused-subscribe');
    expect(s.reason).toBe('CLIENT_ERROR');
  });

  it('grants a requested QoS 2 as QoS 1 and leaves the rest alone', () => {
    const s = session();
    const packet: ParsedPacket = { cmd: 'subscribe', subscriptions: [{ qos: 2 }, { qos: 0 }] };
    inspectPacket(packet, s, 'c', limits, silentLogger());
    expect(packet).toEqual({ cmd: 'subscribe', subscriptions: [{ qos: 1 }, { qos: 0 }] });
    expect(s.reason).toBeUndefined();
  });

  it('keeps an earlier, more specific close reason', () => {
    const s = session();
    s.reason = 'AUTH_ERROR';
    inspectPacket({ cmd: 'disconnect' }, s, 'c', limits, silentLogger());
    expect(s.reason).toBe('AUTH_ERROR');
  });
});
