import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPulsepetError } from '../../protocol/errors';
import type { PublishOrigin } from '../ports';
import { connectDevice, type Fixture, startFixture, until } from '../../test/support/local/broker';

let fx: Fixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});

describe('Method: onPublish', () => {
  it('calls every matching observer with the cloud origin and stops after unsubscribe', async () => {
    const seen: Array<[string, string, PublishOrigin]> = [];
    const offA = fx.broker.onPublish('pulsepet/#', (m) => {
      seen.push(['a', m.topic, m.origin]);
    });
    fx.broker.onPublish('pulsepet/errors', (m) => {
      seen.push(['b', m.topic, m.origin]);
    });
    await fx.broker.publish('pulsepet/errors', '{}', { qos: 1 });
    await until(() => seen.length === 2, 5000, 'two observers');
    offA();
    await fx.broker.publish('pulsepet/errors', '{}', { qos: 0 });
    await until(() => seen.length === 3, 5000, 'one observer');
    expect(seen.map(([who]) => who).sort()).toEqual(['a', 'b', 'b']);
    expect(seen[0]?.[2]).toEqual({});
  });

  it('keeps routing when an observer throws or rejects', async () => {
    let ok = 0;
    fx.broker.onPublish('x/boom', () => {
      throw new Error('observer bug');
    });
    fx.broker.onPublish('x/boom', async () => {
      throw new Error('async observer bug');
    });
    fx.broker.onPublish('x/boom', () => {
      ok++;
    });
    await fx.broker.publish('x/boom', 'a');
    await fx.broker.publish('x/boom', 'b');
    await until(() => ok === 2, 5000, 'healthy observer');
  });

  it('passes a cloud publisher origin given to publish() through to observers', async () => {
    let origin: PublishOrigin | undefined;
    fx.broker.onPublish('y/origin', (m) => {
      origin = m.origin;
    });
    await fx.broker.publish('y/origin', 'a', { origin: { principal: 'AKIAEXAMPLE' } });
    await until(() => origin !== undefined, 5000, 'origin');
    expect(origin).toEqual({ principal: 'AKIAEXAMPLE' });
  });
});

describe('Method: onPublish with beforeAck', () => {
  /** An observer that holds each message until released, recording what it saw. */
  function gate() {
    const seen: string[] = [];
    let release: () => void = () => {};
    const released = new Promise<void>((r) => {
      release = r;
    });
    const handler = async (m: { topic: string }): Promise<void> => {
      seen.push(m.topic);
      await released;
    };
    return { seen, release, handler };
  }

  it("holds a device's PUBACK until the before-ack observer has finished, and runs it once", async () => {
    const g = gate();
    const off = fx.broker.onPublish('dt/pulsepet/pet-ack/telemetry', g.handler, { beforeAck: true });
    const dev = await fx.device('pet-ack');
    const out = await connectDevice(fx, dev, 'pet-ack');
    if (!out.ok) throw new Error(out.error);
    let acked = false;
    const pub = out.client.publishAsync('dt/pulsepet/pet-ack/telemetry', '{"n":1}', { qos: 1 }).then(() => {
      acked = true;
    });
    await until(() => g.seen.length === 1, 5000, 'observer called');
    await new Promise((r) => setTimeout(r, 100));
    expect(acked).toBe(false);
    g.release();
    await pub;
    expect(acked).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(g.seen).toEqual(['dt/pulsepet/pet-ack/telemetry']);
    off();
    await out.client.endAsync();
  });

  it("routes a connection's publishes in the order they arrived, even when a later one needs no before-ack observer", async () => {
    const g = gate();
    const offAck = fx.broker.onPublish('dt/pulsepet/pet-order/slow', g.handler, { beforeAck: true });
    const routed: string[] = [];
    const offSeen = fx.broker.onPublish('dt/pulsepet/pet-order/#', (m) => void routed.push(m.topic));
    const dev = await fx.device('pet-order');
    const out = await connectDevice(fx, dev, 'pet-order');
    if (!out.ok) throw new Error(out.error);
    const first = out.client.publishAsync('dt/pulsepet/pet-order/slow', '1', { qos: 1 });
    const second = out.client.publishAsync('dt/pulsepet/pet-order/fast', '2', { qos: 1 });
    await until(() => g.seen.length === 1, 5000, 'slow observer called');
    await new Promise((r) => setTimeout(r, 100));
    expect(routed).toEqual([]);
    g.release();
    await Promise.all([first, second]);
    await until(() => routed.length === 2, 5000, 'both routed');
    expect(routed).toEqual(['dt/pulsepet/pet-order/slow', 'dt/pulsepet/pet-order/fast']);
    offAck();
    offSeen();
    await out.client.endAsync();
  });

  it('does not hold the PUBACK for ordinary observers', async () => {
    const g = gate();
    const off = fx.broker.onPublish('dt/pulsepet/pet-plain/telemetry', g.handler);
    const dev = await fx.device('pet-plain');
    const out = await connectDevice(fx, dev, 'pet-plain');
    if (!out.ok) throw new Error(out.error);
    await out.client.publishAsync('dt/pulsepet/pet-plain/telemetry', '{"n":1}', { qos: 1 });
    expect(g.seen).toEqual(['dt/pulsepet/pet-plain/telemetry']);
    g.release();
    off();
    await out.client.endAsync();
  });

  it('resolves a cloud publish only after the before-ack observers have finished', async () => {
    const g = gate();
    const off = fx.broker.onPublish('cloud/ack', g.handler, { beforeAck: true });
    let done = false;
    const p = fx.broker.publish('cloud/ack', 'x', { qos: 1 }).then(() => {
      done = true;
    });
    await until(() => g.seen.length === 1, 5000, 'observer called');
    expect(done).toBe(false);
    g.release();
    await p;
    expect(g.seen).toEqual(['cloud/ack']);
    off();
  });
});

describe('Method: publish', () => {
  it('rejects a topic with wildcards with PP_ERR_VALIDATION', async () => {
    const err = await fx.broker.publish('a/+/b', 'x').catch((e: unknown) => e);
    expect(isPulsepetError(err, 'PP_ERR_VALIDATION')).toBe(true);
  });

  it('delivers a retained cloud publish to a device that subscribes later', async () => {
    const dev = await fx.device('pet-retained');
    await fx.broker.publish('$aws/things/pet-retained/shadow/name/config/update/delta', '{"v":1}', { qos: 1, retain: true });
    const got: string[] = [];
    const out = await connectDevice(fx, dev, 'pet-retained', {}, (_t, p) => got.push(p.toString()));
    if (!out.ok) throw new Error(out.error);
    await out.client.subscribeAsync('$aws/things/pet-retained/shadow/name/config/update/delta', { qos: 1 });
    await until(() => got.length === 1, 5000, 'retained delivery');
    expect(got).toEqual(['{"v":1}']);
    await out.client.endAsync();
  });
});
