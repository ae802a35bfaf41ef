import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { AedesPool, captureLogger, connectInProcess, until } from '../../test/support/local/broker';
import { ConnectionTable } from './connections';
import { LifecycleEvents, type LifecyclePublish } from './lifecycle';
import { connectedEventSchema, connectFailedEventSchema, disconnectedEventSchema } from './presence';
import type { Session } from './session';

interface Sent {
  topic: string;
  body: Record<string, unknown>;
}

function collector(): { publish: LifecyclePublish; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    publish: async (topic, payload, options) => {
      expect(options.qos).toBe(1);
      sent.push({ topic, body: JSON.parse(payload) as Record<string, unknown> });
    },
  };
}

function session(table: ConnectionTable, clientId?: string): Session {
  const s = table.open(new PassThrough(), { kind: 'certificate', certificateId: 'cert-1', certificateArn: 'arn', caCertificateId: 'ca' }, '127.0.0.1');
  if (clientId !== undefined) s.clientId = clientId;
  return s;
}

describe('Class: LifecycleEvents', () => {
  describe('Method: connected / disconnected', () => {
    it('publishes AWS-shaped events, numbering the sessions of one client id', () => {
      const { publish, sent } = collector();
      const events = new LifecycleEvents(publish, silentLogger());
      const table = new ConnectionTable();
      const first = session(table, 'pet-1');
      events.connected(first, 'pet-1');
      events.disconnected(first, 'pet-1');
      const second = session(table, 'pet-1');
      events.connected(second, 'pet-1');
      expect(sent.map((e) => e.topic)).toEqual([
        '$aws/events/presence/connected/pet-1',
        '$aws/events/presence/disconnected/pet-1',
        '$aws/events/presence/connected/pet-1',
      ]);
      const [c1, d1, c2] = sent.map((e) => e.body);
      expect(connectedEventSchema.parse(c1)).toMatchObject({ versionNumber: 1, principalIdentifier: 'cert-1', ipAddress: '127.0.0.1' });
      expect(disconnectedEventSchema.parse(d1)).toMatchObject({ disconnectReason: 'CONNECTION_LOST', clientInitiatedDisconnect: false });
      expect(connectedEventSchema.parse(c2).versionNumber).toBe(2);
    });

    it('reports the recorded reason and announces a disconnect only once', () => {
      const { publish, sent } = collector();
      const events = new LifecycleEvents(publish, silentLogger());
      const s = session(new ConnectionTable(), 'pet-2');
      events.disconnected(s, 'pet-2');
      expect(sent).toEqual([]);
      events.connected(s, 'pet-2');
      s.reason = 'CLIENT_INITIATED_DISCONNECT';
      events.disconnected(s, 'pet-2');
      events.disconnected(s, 'pet-2');
      expect(sent.map((e) => e.body.disconnectReason)).toEqual([undefined, 'CLIENT_INITIATED_DISCONNECT']);
      expect(sent[1]?.body.clientInitiatedDisconnect).toBe(true);
    });

    it('sends nothing for client ids with wildcards, nor once shut down', () => {
      const { publish, sent } = collector();
      const events = new LifecycleEvents(publish, silentLogger());
      const table = new ConnectionTable();
      events.connected(session(table, 'a+b'), 'a+b');
      events.shutdown();
      expect(events.closing).toBe(true);
      events.connected(session(table, 'pet-3'), 'pet-3');
      expect(sent).toEqual([]);
    });

    it('logs an event it could not publish', async () => {
      const { logger, records } = captureLogger();
      const events = new LifecycleEvents(() => Promise.reject(new Error('no route')), logger);
      events.connected(session(new ConnectionTable(), 'pet-4'), 'pet-4');
      await until(() => records.some((r) => r.msg === 'lifecycle event not published'), 2000, 'warning');
    });
  });

  describe('Method: connectRefused', () => {
    it('publishes connect_failed with AUTHORIZATION_FAILURE', () => {
      const { publish, sent } = collector();
      new LifecycleEvents(publish, silentLogger()).connectRefused(session(new ConnectionTable(), 'pet-5'));
      expect(sent[0]?.topic).toBe('$aws/events/presence/connect_failed/pet-5');
      expect(connectFailedEventSchema.parse(sent[0]?.body).connectFailureReason).toBe('AUTHORIZATION_FAILURE');
    });
  });

  describe('Method: attach', () => {
    const pool = new AedesPool();
    afterEach(() => pool.closeAll());

    it("turns a real aedes' connect and a lost connection into connected and disconnected events", async () => {
      const aedes = await pool.start();
      const { publish, sent } = collector();
      const events = new LifecycleEvents(publish, silentLogger());
      const table = new ConnectionTable();
      events.attach(aedes, table);
      const s = session(table);
      const client = await connectInProcess(aedes, { clientId: 'pet-6' }, (c) => table.bind(s, c));
      await until(() => sent.length === 1, 5000, 'connected event');
      client.stream.destroy();
      await until(() => sent.length === 2, 5000, 'disconnected event');
      expect(sent.map((e) => [e.body.eventType, e.body.disconnectReason])).toEqual([
        ['connected', undefined],
        ['disconnected', 'CONNECTION_LOST'],
      ]);
    });
  });
});
