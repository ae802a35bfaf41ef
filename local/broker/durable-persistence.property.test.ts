/**
 * Model check: any sequence of session operations leaves the durable persistence,
 * after close and reopen, in the same observable state as aedes-persistence's
 * in-memory implementation that never restarted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { createDurablePersistence, type PersistedPacket, type PersistedSubscription } from './durable-persistence';

interface Store {
  setup(b: { id: string }): Promise<void>;
  addSubscriptions(c: { id: string }, s: PersistedSubscription[]): Promise<void>;
  removeSubscriptions(c: { id: string }, t: string[]): Promise<void>;
  cleanSubscriptions(c: { id: string }): Promise<void>;
  subscriptionsByClient(c: { id: string }): Promise<PersistedSubscription[]>;
  subscriptionsByTopic(t: string): Promise<Array<{ clientId: string; topic?: string; qos?: number }>>;
  outgoingEnqueueCombi(s: { clientId: string }[], p: PersistedPacket): Promise<void>;
  outgoingUpdate(c: { id: string }, p: PersistedPacket): Promise<void>;
  outgoingClearMessageId(c: { id: string }, p: PersistedPacket): Promise<unknown>;
  outgoingStream(c: { id: string }): Readable;
  storeRetained(p: PersistedPacket): Promise<void>;
  createRetainedStreamCombi(patterns: string[]): Readable;
  putWill(c: { id: string }, p: PersistedPacket): Promise<void>;
  delWill(c: { id: string }): Promise<unknown>;
  streamWill(brokers?: Record<string, unknown>): Readable;
  destroy(): Promise<void>;
}

const require = createRequire(import.meta.url);
const Memory = require('aedes-persistence/asyncPersistence.js') as new () => Store;

const clients = ['a', 'b', 'c'];
const topics = ['t/1', 't/2', 't/3/x'];
const clientArb = fc.constantFrom(...clients);
const topicArb = fc.constantFrom(...topics);
/** subscription filters, with wildcards and a `$` topic (aedes' trie lets leading wildcards match it) */
const filterArb = fc.constantFrom(...topics, 't/+', '#', '+/3/#', '$aws/x', '+/x');
/** topics whose queued subscribers are compared */
const probes = [...topics, '$aws/x', 'u'];

type Op =
  | { op: 'sub'; c: string; t: string; qos: 0 | 1 }
  | { op: 'unsub'; c: string; t: string }
  | { op: 'clean'; c: string }
  | { op: 'enqueue'; cs: string[]; t: string; body: string }
  | { op: 'deliver'; c: string; index: number }
  | { op: 'ack'; c: string; index: number }
  | { op: 'retain'; t: string; body: string }
  | { op: 'will'; c: string; body: string }
  | { op: 'delwill'; c: string };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('sub' as const), c: clientArb, t: filterArb, qos: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ op: fc.constant('unsub' as const), c: clientArb, t: filterArb }),
  fc.record({ op: fc.constant('clean' as const), c: clientArb }),
  fc.record({
    op: fc.constant('enqueue' as const),
    cs: fc.uniqueArray(clientArb, { minLength: 1, maxLength: 3 }),
    t: topicArb,
    body: fc.string({ maxLength: 8 }),
  }),
  fc.record({ op: fc.constant('deliver' as const), c: clientArb, index: fc.nat(5) }),
  fc.record({ op: fc.constant('ack' as const), c: clientArb, index: fc.nat(5) }),
  fc.record({ op: fc.constant('retain' as const), t: topicArb, body: fc.string({ maxLength: 4 }) }),
  fc.record({ op: fc.constant('will' as const), c: clientArb, body: fc.string({ maxLength: 4 }) }),
  fc.record({ op: fc.constant('delwill' as const), c: clientArb }),
);

async function list<T>(s: Readable): Promise<T[]> {
  const out: T[] = [];
  for await (const x of s) out.push(x as T);
  return out;
}

/** Applies one op; `ids` hands out message ids per client the way a broker would. */
async function apply(s: Store, op: Op, counter: { n: number }, ids: Map<string, number>): Promise<void> {
  switch (op.op) {
    case 'sub':
      return s.addSubscriptions({ id: op.c }, [{ topic: op.t, qos: op.qos }]);
    case 'unsub':
      return s.removeSubscriptions({ id: op.c }, [op.t]);
    case 'clean':
      return s.cleanSubscriptions({ id: op.c });
    case 'enqueue':
      return s.outgoingEnqueueCombi(
        op.cs.map((clientId) => ({ clientId })),
        {
          cmd: 'publish',
          topic: op.t,
          payload: Buffer.from(op.body),
          qos: 1,
          retain: false,
          dup: false,
          brokerId: 'm',
          brokerCounter: ++counter.n,
        },
      );
    case 'deliver': {
      const queued = await list<PersistedPacket>(s.outgoingStream({ id: op.c }));
      const p = queued[op.index];
      if (p === undefined || p.messageId !== undefined) return;
      const id = (ids.get(op.c) ?? 0) + 1;
      ids.set(op.c, id);
      return s.outgoingUpdate({ id: op.c }, { ...p, messageId: id });
    }
    case 'ack': {
      const queued = await list<PersistedPacket>(s.outgoingStream({ id: op.c }));
      const p = queued[op.index];
      if (p?.messageId === undefined) return;
      await s.outgoingClearMessageId({ id: op.c }, { cmd: 'puback', messageId: p.messageId });
      return;
    }
    case 'retain':
      return s.storeRetained({ cmd: 'publish', topic: op.t, payload: Buffer.from(op.body), qos: 0, retain: true });
    case 'will':
      return s.putWill({ id: op.c }, { cmd: 'publish', topic: `will/${op.c}`, payload: Buffer.from(op.body), qos: 1 });
    case 'delwill':
      await s.delWill({ id: op.c });
      return;
  }
}

/** Who a QoS 1 publish on each probe topic would be queued for. */
async function queuedFor(s: Store): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of probes) out[t] = (await s.subscriptionsByTopic(t)).map((x) => `${x.clientId} ${x.topic} ${x.qos}`).sort();
  return out;
}

async function observe(s: Store): Promise<unknown> {
  const state: Record<string, unknown> = { queuedFor: await queuedFor(s) };
  for (const c of clients) {
    state[`subs:${c}`] = await s.subscriptionsByClient({ id: c });
    state[`queue:${c}`] = (await list<PersistedPacket>(s.outgoingStream({ id: c }))).map((p) => [
      p.topic,
      p.payload?.toString(),
      p.messageId,
    ]);
  }
  state.retained = (await list<PersistedPacket>(s.createRetainedStreamCombi(['#'])))
    .map((p) => [p.topic, p.payload?.toString()])
    .sort();
  state.wills = (await list<PersistedPacket>(s.streamWill({})))
    .map((p) => [p.clientId, p.topic, p.payload?.toString(), p.brokerId])
    .sort();
  return state;
}

describe('Class: DurablePersistence (model check against the memory persistence)', () => {
  it('is observably identical to the never-restarted memory persistence after close and reopen', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
        const dir = mkdtempSync(join(tmpdir(), 'pp-persist-prop-'));
        try {
          const memory = new Memory();
          await memory.setup({ id: 'm' });
          const durable = await createDurablePersistence(dir, silentLogger());
          await durable.setup({ id: 'm' });
          const mc = { n: 0 };
          const dc = { n: 0 };
          const mIds = new Map<string, number>();
          const dIds = new Map<string, number>();
          for (const op of ops) {
            await apply(memory, op, mc, mIds);
            await apply(durable, op, dc, dIds);
          }
          expect(await queuedFor(durable)).toEqual(await queuedFor(memory));
          await durable.destroy();
          const reopened = await createDurablePersistence(dir, silentLogger());
          await reopened.setup({ id: 'restarted' });
          expect(await observe(reopened)).toEqual(await observe(memory));
          await reopened.destroy();
          await memory.destroy();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});
