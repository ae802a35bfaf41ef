import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { AedesPool, captureLogger, connectInProcess, until } from '../../test/support/local/broker';
import { ConnectionTable } from './connections';
import { PublishRouting } from './publish-routing';
import { PublishThrottle } from './publish-throttle';

describe('Class: PublishThrottle', () => {
  const pool = new AedesPool();
  afterEach(() => pool.closeAll());

  /** aedes whose every client publish goes through `throttle.take`, on a clock that only moves when told. */
  async function start(rate: number) {
    const clock = { now: 0 };
    const log = captureLogger();
    const throttle = new PublishThrottle(rate, log.logger, () => clock.now);
    const session = new ConnectionTable().open(new PassThrough(), { kind: 'iam', accessKeyId: 'AKID' }, undefined);
    const routed: string[] = [];
    const aedes = await pool.start({
      authorizePublish(client, packet, callback) {
        if (client) throttle.take(session, client.id, packet);
        callback(null);
      },
      published(packet, _client, done) {
        if (!packet.topic.startsWith('$SYS')) routed.push(packet.payload.toString());
        done(null);
      },
    });
    new PublishRouting(throttle).install(aedes);
    return { clock, log, routed, aedes };
  }

  it('acknowledges every publish but routes only the rate per second', async () => {
    const { clock, routed, aedes } = await start(2);
    const client = await connectInProcess(aedes, { clientId: 'fast' });
    for (const n of ['1', '2', '3']) await client.publishAsync('t/x', n, { qos: 1 });
    await until(() => routed.length === 2, 2000, 'two routed publishes');
    clock.now += 1000;
    await client.publishAsync('t/x', '4', { qos: 1 });
    await until(() => routed.length === 3, 2000, 'the publish after a second');
    await client.endAsync();
    expect(routed).toEqual(['1', '2', '4']);
  });

  it('logs the drops of a connection at most once a second, with their count', async () => {
    const { log, aedes } = await start(1);
    const client = await connectInProcess(aedes, { clientId: 'chatty' });
    for (let i = 0; i < 4; i++) await client.publishAsync('t/x', String(i), { qos: 1 });
    await client.endAsync();
    const warnings = log.records.filter((r) => r.msg === 'publish rate limit exceeded; publishes dropped');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ clientId: 'chatty', dropped: 1 });
  });
});
