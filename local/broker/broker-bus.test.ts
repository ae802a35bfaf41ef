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
