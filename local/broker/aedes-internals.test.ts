import type { Aedes, AedesOptions, PublishPacket } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { AedesPool, connectInProcess, until } from '../../test/support/local/broker';
import { AEDES_CHECKED_VERSION, holdReadsWhileHandling, interceptRouting, onlineSubscriptionCheck, type ParsedPacket, prependPacketListener } from './aedes-internals';

/**
 * These run against the installed aedes: a failure here means an aedes upgrade
 * moved a private field the broker relies on (the message names it and the version
 * it was checked against), not that broker behaviour regressed.
 */
describe('Module: aedes-internals', () => {
  const pool = new AedesPool();
  const start = (opts?: AedesOptions) => pool.start(opts);
  afterEach(() => pool.closeAll());

  describe('Function: prependPacketListener', () => {
    it(`sees every packet of a client before aedes handles it (client._parser, aedes ${AEDES_CHECKED_VERSION})`, async () => {
      const aedes = await start();
      const seen: string[] = [];
      const mqtt = await connectInProcess(aedes, { clientId: 'parser-probe' }, (client) =>
        prependPacketListener(client, (p: ParsedPacket) => {
          seen.push(p.cmd);
          // a rewrite before aedes reads it must take effect: grant QoS 1 for a QoS 2 request
          for (const sub of p.subscriptions ?? []) if (sub.qos > 1) sub.qos = 1;
        }),
      );
      const granted = await mqtt.subscribeAsync('probe/t', { qos: 2 });
      await mqtt.endAsync();
      expect(seen.slice(0, 2), `aedes ${AEDES_CHECKED_VERSION}: client._parser no longer emits 'packet' before aedes acts`).toEqual([
        'connect',
        'subscribe',
      ]);
      expect(granted[0]?.qos, `aedes ${AEDES_CHECKED_VERSION}: a packet rewritten on client._parser no longer reaches aedes`).toBe(1);
    });

    it('names the field and the version when the client has no parser', () => {
      const fake = { id: 'x' } as unknown as Parameters<typeof prependPacketListener>[0];
      expect(() => prependPacketListener(fake, () => {})).toThrow(/client\._parser.*aedes 1\.2\.0/);
    });
  });

  describe('Function: onlineSubscriptionCheck', () => {
    it(`answers from the routing table as clients subscribe and unsubscribe (aedes.mq._matcher, aedes ${AEDES_CHECKED_VERSION})`, async () => {
      const aedes = await start();
      const has = onlineSubscriptionCheck(aedes);
      expect(has('probe/a/b')).toBe(false);
      const mqtt = await connectInProcess(aedes, { clientId: 'matcher-probe' });
      await mqtt.subscribeAsync('probe/+/b', { qos: 0 });
      expect(has('probe/a/b'), `aedes ${AEDES_CHECKED_VERSION}: aedes.mq._matcher no longer holds client subscriptions`).toBe(true);
      expect(has('probe/a/c')).toBe(false);
      await mqtt.unsubscribeAsync('probe/+/b');
      await until(() => !has('probe/a/b'), 5000, 'subscription removed from aedes.mq._matcher');
      await mqtt.endAsync();
    });

    it('names the field and the version when aedes has no matcher', () => {
      const fake = { version: '9.0.0' } as unknown as Aedes;
      expect(() => onlineSubscriptionCheck(fake)).toThrow(/aedes\.mq\._matcher.*aedes 1\.2\.0, installed aedes 9\.0\.0/);
    });
  });

  describe('Function: interceptRouting', () => {
    it(`acknowledges a skipped client publish without routing it (aedes.publish(packet, client, done), aedes ${AEDES_CHECKED_VERSION})`, async () => {
      const published: string[] = [];
      const aedes = await start({
        published(packet, _client, done) {
          if (!packet.topic.startsWith('$SYS')) published.push(packet.topic);
          done(null);
        },
      });
      const routed: string[] = [];
      interceptRouting(aedes, (p: PublishPacket) => {
        if (!p.topic.startsWith('$SYS')) routed.push(p.topic);
        return p.topic === 'probe/drop';
      });
      const mqtt = await connectInProcess(aedes, { clientId: 'route-probe' });
      // QoS 1: the PUBACK arrives for both, only one is routed
      await mqtt.publishAsync('probe/drop', 'x', { qos: 1 });
      await mqtt.publishAsync('probe/keep', 'y', { qos: 1 });
      // aedes routes a QoS 1 publish once its PUBACK is written
      await until(() => published.length > 0, 2000, 'the kept publish').catch(() => {});
      await mqtt.endAsync();
      expect(routed, `aedes ${AEDES_CHECKED_VERSION}: client PUBLISH no longer routes through aedes.publish`).toEqual([
        'probe/drop',
        'probe/keep',
      ]);
      expect(published).toEqual(['probe/keep']);
    });

    it('keeps the public two-argument publish working', async () => {
      const aedes = await start();
      interceptRouting(aedes, (p) => p.topic === 'probe/drop');
      const errors = await Promise.all(
        ['probe/drop', 'probe/keep'].map(
          (topic) =>
            new Promise<Error | undefined>((resolve) =>
              aedes.publish({ cmd: 'publish', topic, payload: Buffer.from('z'), qos: 0, retain: false, dup: false }, resolve),
            ),
        ),
      );
      expect(errors.filter((e) => e)).toEqual([]);
    });

    it('names the method and the version when publish has another shape', () => {
      const fake = { publish: (_p: unknown) => {} } as unknown as Aedes;
      expect(() => interceptRouting(fake, () => false)).toThrow(/aedes\.publish.*aedes 1\.2\.0/);
    });
  });

  describe('Function: holdReadsWhileHandling', () => {
    it(`takes over the readable listener of a real client (client._nextBatch, client._parsingBatch, aedes ${AEDES_CHECKED_VERSION})`, async () => {
      const aedes = await start();
      let held = 0;
      const mqtt = await connectInProcess(aedes, { clientId: 'hold-probe' }, (client) =>
        holdReadsWhileHandling(client, () => {
          held++;
          return false;
        }),
      );
      await mqtt.subscribeAsync('probe/hold', { qos: 1 });
      await mqtt.endAsync();
      expect(held, `aedes ${AEDES_CHECKED_VERSION}: client.conn's 'readable' events no longer reach the held reader`).toBeGreaterThan(0);
    });

    it('names the field and the version when the client reads another way', () => {
      const fake = { id: 'x', conn: { prependListener() {}, listeners: () => [] } } as unknown as Parameters<typeof holdReadsWhileHandling>[0];
      expect(() => holdReadsWhileHandling(fake, () => false)).toThrow(/client\._nextBatch.*aedes 1\.2\.0/);
      const noReader = { ...fake, _nextBatch() {} } as unknown as Parameters<typeof holdReadsWhileHandling>[0];
      expect(() => holdReadsWhileHandling(noReader, () => false)).toThrow(/'readable' listener of client\.conn/);
    });
  });
});
