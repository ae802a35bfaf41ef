import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, type Fixture, startFixture, until } from '../../test/support/local/broker';
import { AckBacklog } from './ack-backlog';

const TOPIC = 'dt/pulsepet/pet-hold/telemetry';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Function: startBroker (holdReadsAbove: reads held while the stack owes acknowledgements)', () => {
  let fx: Fixture | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  /**
   * A device that publishes seq 1, 2 and 3 at QoS 1 one after another (each its own TCP
   * segment), while a before-ack observer, standing for the stack, takes none until released.
   */
  async function publishWhileTheStackWaits(holdReadsAbove: number) {
    fx = await startFixture({ holdReadsAbove });
    const taken: string[] = [];
    const releases: Array<() => void> = [];
    fx.broker.onPublish(
      TOPIC,
      (m) => {
        taken.push(m.payload.toString());
        return new Promise<void>((r) => releases.push(r));
      },
      { beforeAck: true },
    );
    const dev = await fx.device('pet-hold');
    const out = await connectDevice(fx, dev, 'pet-hold');
    if (!out.ok) throw new Error(out.error);
    const acked: string[] = [];
    const publish = (seq: number) =>
      out.client.publishAsync(TOPIC, `{"seq":${seq}}`, { qos: 1 }).then(() => {
        acked.push(String(seq));
      });
    const all = [publish(1)];
    await until(() => taken.length === 1, 5000, 'the first publish to reach the observer');
    for (const seq of [2, 3]) {
      await pause(100);
      all.push(publish(seq));
    }
    await pause(300);
    return { taken, releases, acked, all, client: out.client };
  }

  it('reads nothing more from a device while its publish waits and too many do', async () => {
    const { taken, releases, acked, all, client } = await publishWhileTheStackWaits(0);
    // seq 2 and 3 stay in the socket: the broker did not read them while seq 1 waits
    expect(taken).toEqual(['{"seq":1}']);
    expect(acked).toEqual([]);
    releases.shift()?.();
    // once seq 1 is taken, what arrived meanwhile is read, in one chunk
    await until(() => taken.length === 3, 5000, 'seq 2 and 3 to be read once seq 1 was taken');
    for (const r of releases.splice(0)) r();
    await Promise.all(all);
    expect({ taken, acked }).toEqual({ taken: ['{"seq":1}', '{"seq":2}', '{"seq":3}'], acked: ['1', '2', '3'] });
    await client.endAsync();
  });

  it('reads on as before while few publishes wait', async () => {
    const { taken, releases, acked, all, client } = await publishWhileTheStackWaits(1_000);
    // aedes reads a chunk on every arrival of data: the later publishes reach the observer at once
    expect(taken).toEqual(['{"seq":1}', '{"seq":2}', '{"seq":3}']);
    expect(acked).toEqual([]);
    for (const r of releases.splice(0)) r();
    await Promise.all(all);
    expect(acked).toEqual(['1', '2', '3']);
    await client.endAsync();
  });
});

describe('Class: AckBacklog', () => {
  it('counts what waits until it settles, rejections included, and holds above its bound', async () => {
    const backlog = new AckBacklog(1);
    let resolve: () => void = () => {};
    let reject: (e: Error) => void = () => {};
    const a = backlog.track(new Promise<void>((r) => (resolve = r)));
    const b = backlog.track(new Promise<void>((_, r) => (reject = r)));
    expect(backlog.track(undefined)).toBeUndefined();
    expect({ waiting: backlog.waiting, holding: backlog.holding }).toEqual({ waiting: 2, holding: true });
    resolve();
    reject(new Error('refused'));
    await a;
    await expect(b).rejects.toThrow('refused');
    expect({ waiting: backlog.waiting, holding: backlog.holding, peak: backlog.peak }).toEqual({ waiting: 0, holding: false, peak: 2 });
  });

  it('refuses a bound that is not a non-negative integer', () => {
    expect(() => new AckBacklog(-1)).toThrow(RangeError);
    expect(() => new AckBacklog(1.5)).toThrow(RangeError);
  });
});
