import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { createDurablePersistence, type DurablePersistence, type PersistedPacket } from './durable-persistence';

let dir: string;
const open: DurablePersistence[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pp-persist-'));
});

afterEach(async () => {
  for (const p of open.splice(0)) await p.destroy().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

async function openStore(brokerId = 'broker-a'): Promise<DurablePersistence> {
  const p = await createDurablePersistence(dir, silentLogger());
  await p.setup({ id: brokerId });
  open.push(p);
  return p;
}

async function reopen(p: DurablePersistence, brokerId = 'broker-b'): Promise<DurablePersistence> {
  open.splice(open.indexOf(p), 1);
  await p.destroy();
  return openStore(brokerId);
}

async function drain<T>(stream: Readable): Promise<T[]> {
  const out: T[] = [];
  for await (const x of stream) out.push(x as T);
  return out;
}

const client = { id: 'pet-1' };
let counter = 0;
function publish(topic: string, payload: string, extra: Partial<PersistedPacket> = {}): PersistedPacket {
  return {
    cmd: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos: 1,
    retain: false,
    dup: false,
    brokerId: 'broker-a',
    brokerCounter: ++counter,
    ...extra,
  };
}

describe('Class: DurablePersistence', () => {
  describe('Method: close and reopen', () => {
    it('keeps the subscriptions of a persistent session and still matches them by topic', async () => {
      const p = await openStore();
      await p.addSubscriptions(client, [
        { topic: 'dt/pulsepet/pet-1/#', qos: 1 },
        { topic: '$aws/things/pet-1/shadow/update/delta', qos: 0 },
      ]);
      const q = await reopen(p);
      expect(await q.subscriptionsByClient(client)).toEqual([
        { topic: 'dt/pulsepet/pet-1/#', qos: 1 },
        { topic: '$aws/things/pet-1/shadow/update/delta', qos: 0 },
      ]);
      expect(await q.subscriptionsByTopic('dt/pulsepet/pet-1/telemetry')).toEqual([
        expect.objectContaining({ clientId: 'pet-1', topic: 'dt/pulsepet/pet-1/#', qos: 1 }),
      ]);
      expect(await q.countOffline()).toEqual({ subsCount: 1, clientsCount: 1 });
    });

    it('forgets subscriptions that were removed or cleaned before the restart', async () => {
      const p = await openStore();
      await p.addSubscriptions(client, [{ topic: 'a', qos: 1 }, { topic: 'b', qos: 1 }]);
      await p.removeSubscriptions(client, ['a']);
      await p.addSubscriptions({ id: 'pet-2' }, [{ topic: 'c', qos: 1 }]);
      await p.cleanSubscriptions({ id: 'pet-2' });
      const q = await reopen(p);
      expect(await q.subscriptionsByClient(client)).toEqual([{ topic: 'b', qos: 1 }]);
      expect(await q.subscriptionsByClient({ id: 'pet-2' })).toEqual([]);
    });

    it('keeps queued QoS 1 messages for an offline client in order, with payloads intact, minus acknowledged ones', async () => {
      const p = await openStore();
      const sub = { clientId: 'pet-1', topic: 'dt/#', qos: 1 };
      for (let i = 0; i < 5; i++) await p.outgoingEnqueueCombi([sub], publish(`dt/${i}`, `msg-${i}`));
      // deliver and PUBACK the first one before the restart
      const [first] = await drain<PersistedPacket>(p.outgoingStream(client));
      await p.outgoingUpdate(client, { ...first, messageId: 7 } as PersistedPacket);
      expect(await p.outgoingClearMessageId(client, { cmd: 'puback', messageId: 7 })).toMatchObject({ topic: 'dt/0' });
      const q = await reopen(p);
      const queued = await drain<PersistedPacket>(q.outgoingStream(client));
      expect(queued.map((x) => x.topic)).toEqual(['dt/1', 'dt/2', 'dt/3', 'dt/4']);
      expect(queued.map((x) => x.payload?.toString())).toEqual(['msg-1', 'msg-2', 'msg-3', 'msg-4']);
      expect(queued.every((x) => Buffer.isBuffer(x.payload) && x.qos === 1)).toBe(true);
    });

    it('keeps enqueueing after a restart behind the messages already queued', async () => {
      const p = await openStore();
      await p.outgoingEnqueue({ clientId: 'pet-1' }, publish('old', 'o'));
      const q = await reopen(p);
      await q.outgoingEnqueue({ clientId: 'pet-1' }, publish('new', 'n'));
      const r = await reopen(q, 'broker-c');
      expect((await drain<PersistedPacket>(r.outgoingStream(client))).map((x) => x.topic)).toEqual(['old', 'new']);
    });

    it('keeps retained messages and drops the ones deleted with an empty payload', async () => {
      const p = await openStore();
      await p.storeRetained(publish('$aws/things/pet-1/shadow/x', 'kept', { retain: true, qos: 0 }));
      await p.storeRetained(publish('gone', 'soon', { retain: true, qos: 0 }));
      await p.storeRetained(publish('gone', '', { retain: true, qos: 0 }));
      const q = await reopen(p);
      const retained = await drain<PersistedPacket>(q.createRetainedStreamCombi(['#']));
      expect(retained.map((x) => [x.topic, x.payload?.toString()])).toEqual([['$aws/things/pet-1/shadow/x', 'kept']]);
    });

    it('keeps an incoming QoS 2 packet until PUBREL deletes it, and cleanIncoming clears the rest', async () => {
      const p = await openStore();
      await p.incomingStorePacket(client, publish('q2/a', 'a', { qos: 2, messageId: 11 }));
      await p.incomingStorePacket(client, publish('q2/b', 'b', { qos: 2, messageId: 12 }));
      await p.incomingStorePacket({ id: 'pet-2' }, publish('q2/c', 'c', { qos: 2, messageId: 11 }));
      await p.incomingDelPacket(client, { cmd: 'pubrel', messageId: 11 });
      const q = await reopen(p);
      expect((await q.incomingGetPacket(client, { cmd: 'pubrel', messageId: 12 })).payload?.toString()).toBe('b');
      await expect(q.incomingGetPacket(client, { cmd: 'pubrel', messageId: 11 })).rejects.toThrow('no such packet');
      await q.cleanIncoming({ id: 'pet-2' });
      const r = await reopen(q, 'broker-c');
      await expect(r.incomingGetPacket({ id: 'pet-2' }, { cmd: 'pubrel', messageId: 11 })).rejects.toThrow();
      expect((await r.incomingGetPacket(client, { cmd: 'pubrel', messageId: 12 })).topic).toBe('q2/b');
    });

    it('streams the will of a session cut off by a restart, tagged with the old broker id', async () => {
      const p = await openStore('broker-a');
      await p.putWill(client, publish('dt/pulsepet/pet-1/status', 'offline', { qos: 1 }));
      await p.putWill({ id: 'pet-2' }, publish('x', 'y'));
      await p.delWill({ id: 'pet-2' });
      const q = await reopen(p, 'broker-b');
      const wills = await drain<PersistedPacket>(q.streamWill({ 'broker-b': { brokerId: 'broker-b' } }));
      expect(wills).toHaveLength(1);
      expect(wills[0]).toMatchObject({ clientId: 'pet-1', brokerId: 'broker-a', topic: 'dt/pulsepet/pet-1/status' });
      expect(wills[0]?.payload?.toString()).toBe('offline');
    });

    it('loses no acknowledged write when the process is killed with SIGKILL', async () => {
      // The child acknowledges (prints) after each awaited write, then spins until killed.
      const script = `
        import { createDurablePersistence } from ${JSON.stringify(join(import.meta.dirname, 'durable-persistence.ts'))};
        import { pino } from 'pino';
        const p = await createDurablePersistence(${JSON.stringify(dir)}, pino({ level: 'silent' }));
        await p.setup({ id: 'child' });
        await p.addSubscriptions({ id: 'pet-1' }, [{ topic: 'dt/#', qos: 1 }]);
        for (let i = 0; i < 50; i++) {
          await p.outgoingEnqueueCombi([{ clientId: 'pet-1' }], { cmd: 'publish', topic: 'dt/' + i, payload: Buffer.from('m' + i), qos: 1, brokerId: 'child', brokerCounter: i + 1 });
          process.stdout.write('acked ' + i + '\\n');
        }
        setInterval(() => {}, 1000);
      `;
      const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: join(import.meta.dirname, '../..'),
      });
      let out = '';
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
      });
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('acked 49\n')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${err}`)));
      });
      child.kill('SIGKILL');
      await once(child, 'exit');
      const q = await openStore('broker-b');
      expect(await q.subscriptionsByClient(client)).toEqual([{ topic: 'dt/#', qos: 1 }]);
      const queued = await drain<PersistedPacket>(q.outgoingStream(client));
      expect(queued.map((x) => x.topic)).toEqual(Array.from({ length: 50 }, (_, i) => `dt/${i}`));
    });
  });
});

describe('Function: createDurablePersistence (with aedes and MQTT.js)', () => {
  async function startAedes(persistence: DurablePersistence): Promise<{ port: number; close(): Promise<void> }> {
    const broker = await Aedes.createBroker({ persistence });
    const server: Server = createServer(broker.handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return {
      port: address.port,
      close: async () => {
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  /** MqttClient's typed emitter does not fit events.once; resolves with the event's arguments. */
  function next<T extends unknown[]>(c: mqtt.MqttClient, event: 'connect' | 'message'): Promise<T> {
    return new Promise((resolve, reject) => {
      c.once(event, (...args: unknown[]) => resolve(args as T));
      c.once('error', reject);
    });
  }

  async function connect(port: number, clientId: string, clean: boolean): Promise<mqtt.MqttClient> {
    const c = mqtt.connect({ host: '127.0.0.1', port, clientId, clean, reconnectPeriod: 0, protocolVersion: 4 });
    await next(c, 'connect');
    return c;
  }

  it('delivers a QoS 1 message published while a clean=false subscriber was offline, across a broker restart', async () => {
    const p1 = await createDurablePersistence(dir, silentLogger());
    const b1 = await startAedes(p1);
    const sub = await connect(b1.port, 'pet-display', false);
    await sub.subscribeAsync('dt/pulsepet/pet-1/#', { qos: 1 });
    await sub.endAsync();
    const pub = await connect(b1.port, 'pet-1', true);
    await pub.publishAsync('dt/pulsepet/pet-1/telemetry', 'batch-1', { qos: 1 }); // resolves on PUBACK
    await pub.endAsync();
    await b1.close(); // aedes does not destroy the persistence; reopen from disk like a restarted process
    await p1.destroy();

    const p2 = await createDurablePersistence(dir, silentLogger());
    open.push(p2);
    const b2 = await startAedes(p2);
    try {
      const again = mqtt.connect({
        host: '127.0.0.1',
        port: b2.port,
        clientId: 'pet-display',
        clean: false,
        reconnectPeriod: 0,
        protocolVersion: 4,
      });
      // listen first: the queued PUBLISH may arrive in the same TCP chunk as the CONNACK
      const message = next<[string, Buffer]>(again, 'message');
      const [connack] = await next<[{ sessionPresent: boolean }]>(again, 'connect');
      expect(connack.sessionPresent).toBe(true);
      const [topic, payload] = await message;
      expect(topic).toBe('dt/pulsepet/pet-1/telemetry');
      expect(payload.toString()).toBe('batch-1');
      await again.endAsync();
    } finally {
      await b2.close();
    }
  });
});
