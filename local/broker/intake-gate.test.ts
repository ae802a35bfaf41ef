import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, type Fixture, startFixture } from '../../test/support/local/broker';
import { IntakeGate } from './intake-gate';

let fx: Fixture | undefined;
afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('Function: startBroker', () => {
  describe('option: holdIntake', () => {
    it('holds a connecting device, and its first publish, until the intake opens; none reaches the cloud side before', async () => {
      fx = await startFixture({ holdIntake: true });
      const dev = await fx.device('held-1');
      const seen: string[] = [];
      let connected = false;
      const outcome = connectDevice(fx, dev, 'held-1', { connectTimeout: 10_000 }).then((o) => {
        connected = o.ok;
        return o;
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(connected).toBe(false);
      expect(fx.broker.connectionCount()).toBe(0);

      // what a stack wires before it opens: the cloud-side observer
      fx.broker.onPublish('dt/pulsepet/+/telemetry', (m) => {
        seen.push(m.payload.toString());
      });
      fx.broker.openIntake();
      const o = await outcome;
      expect(o.ok).toBe(true);
      if (!o.ok) return;
      await o.client.publishAsync('dt/pulsepet/held-1/telemetry', '{"n":1}', { qos: 1 });
      expect(seen).toEqual(['{"n":1}']);
      await o.client.endAsync();
    });

    it('admits at once without it, and openIntake is then a no-op', async () => {
      fx = await startFixture();
      const dev = await fx.device('open-1');
      const o = await connectDevice(fx, dev, 'open-1');
      expect(o.ok).toBe(true);
      fx.broker.openIntake();
      expect(fx.broker.connectionCount()).toBe(1);
      if (o.ok) await o.client.endAsync();
    });

    it('admits a device that gave up while held and tried again', async () => {
      fx = await startFixture({ holdIntake: true });
      const dev = await fx.device('held-2');
      const gaveUp = await connectDevice(fx, dev, 'held-2', { connectTimeout: 300 });
      expect(gaveUp.ok).toBe(false);
      // the device policy ties the client id to the thing: the same device tries again
      const pending = connectDevice(fx, dev, 'held-2', { connectTimeout: 10_000 });
      await new Promise((r) => setTimeout(r, 200));
      fx.broker.openIntake();
      const o = await pending;
      expect(o.ok).toBe(true);
      expect(fx.broker.connectionCount()).toBe(1);
      if (o.ok) await o.client.endAsync();
    });

    it('closes with a connection still held: the device sees the connection close', async () => {
      fx = await startFixture({ holdIntake: true });
      const dev = await fx.device('held-4');
      const pending = connectDevice(fx, dev, 'held-4', { connectTimeout: 10_000 });
      await new Promise((r) => setTimeout(r, 200));
      await fx.broker.close();
      // held or still in its handshake when the broker closed: either way it is never admitted
      expect(await pending).toMatchObject({ ok: false });
    });
  });
});

describe('Class: IntakeGate', () => {
  it('admits held sockets in arrival order, skips one that closed while held, and never admits after close', () => {
    const admitted: string[] = [];
    const gate = new IntakeGate(false);
    const [a, b, c] = [new PassThrough(), new PassThrough(), new PassThrough()];
    gate.pass(a, () => admitted.push('a'));
    gate.pass(b, () => admitted.push('b'));
    gate.pass(c, () => admitted.push('c'));
    b.emit('error', new Error('ECONNRESET')); // handled while held: the socket is destroyed, not the process
    expect(b.destroyed).toBe(true);
    gate.open();
    expect(admitted).toEqual(['a', 'c']);
    gate.close();
    const late = new PassThrough();
    gate.pass(late, () => admitted.push('late'));
    expect(late.destroyed).toBe(true);
    expect(admitted).toEqual(['a', 'c']);
  });
});
