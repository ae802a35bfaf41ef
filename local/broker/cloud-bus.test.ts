import { Aedes } from 'aedes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PulsepetError } from '../../protocol/errors';
import { captureLogger, until } from '../../test/support/local/broker';
import type { InternalPublishHandler } from '../ports';
import { CloudBus } from './cloud-bus';
import { ConnectionTable } from './connections';

type Msg = Parameters<InternalPublishHandler>[0];

describe('Class: CloudBus', () => {
  let aedes: Aedes;
  let bus: CloudBus;
  let changes: number;
  let log: ReturnType<typeof captureLogger>;

  beforeEach(async () => {
    changes = 0;
    log = captureLogger();
    bus = new CloudBus(new ConnectionTable(), log.logger, () => changes++);
    aedes = await Aedes.createBroker({
      published(packet, client, done) {
        bus.dispatch(packet, client);
        done(null);
      },
    });
    bus.attach(aedes);
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  });

  describe('Method: publish', () => {
    it('routes through aedes to observers of a matching filter, with the caller as origin', async () => {
      const got: Msg[] = [];
      bus.onPublish('$aws/things/+/shadow/update', (m) => void got.push(m));
      await bus.publish('$aws/things/pet/shadow/update', '{"a":1}', { qos: 1, origin: { principal: 'AKID' } });
      await bus.publish('$aws/things/pet/shadow/get', 'x');
      await bus.publish('$aws/things/pet/shadow/update', Buffer.from('raw'), { retain: true });
      expect(got.map((m) => [m.payload.toString(), m.qos, m.retain, m.origin])).toEqual([
        ['{"a":1}', 1, false, { principal: 'AKID' }],
        ['raw', 0, true, {}],
      ]);
    });

    it('refuses a topic with wildcards or an empty topic', async () => {
      for (const topic of ['', 'a/+', 'a/#']) {
        await expect(bus.publish(topic, 'x')).rejects.toSatisfy((e) => e instanceof PulsepetError && e.code === 'PP_ERR_VALIDATION');
      }
    });

    it('refuses to publish before aedes is attached', async () => {
      const detached = new CloudBus(new ConnectionTable(), log.logger, () => {});
      await expect(detached.publish('a/b', 'x')).rejects.toThrow(/not running/);
    });
  });

  describe('Method: dispatch', () => {
    it('logs a failing observer and still calls the others', async () => {
      const got: string[] = [];
      bus.onPublish('t/#', () => {
        throw new Error('sync boom');
      });
      bus.onPublish('t/#', () => Promise.reject(new Error('async boom')));
      bus.onPublish('t/#', (m) => void got.push(m.topic));
      await bus.publish('t/1', 'x');
      expect(got).toEqual(['t/1']);
      await until(() => log.records.filter((r) => r.msg === 'onPublish handler failed').length === 2, 2000, 'two failures logged');
    });
  });

  describe('Method: onPublish', () => {
    it('reports observer changes and stops delivering once turned off', async () => {
      const got: string[] = [];
      const off = bus.onPublish('t/+', (m) => void got.push(m.topic));
      expect(changes).toBe(1);
      expect(bus.observers.has('t/x')).toBe(true);
      off();
      expect(changes).toBe(2);
      await bus.publish('t/x', 'y');
      expect(got).toEqual([]);
    });
  });
});
