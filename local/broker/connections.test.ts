import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { AedesPool, connectInProcess, until } from '../../test/support/local/broker';
import type { BrokerPrincipal } from './authz';
import { ConnectionTable } from './connections';

const cert = (certificateId: string, caCertificateId = 'ca-1'): BrokerPrincipal => ({
  kind: 'certificate',
  certificateId,
  certificateArn: `arn:aws:iot:us-east-1:000000000000:cert/${certificateId}`,
  caCertificateId,
});
const iam: BrokerPrincipal = { kind: 'iam', accessKeyId: 'AKIDLOCAL' };
const closed = (socket: PassThrough) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('Class: ConnectionTable', () => {
  const pool = new AedesPool();
  afterEach(() => pool.closeAll());

  describe('Method: open', () => {
    it('indexes a connection by certificate until its socket closes', async () => {
      const table = new ConnectionTable();
      const socket = new PassThrough();
      const s = table.open(socket, cert('c1'), '::ffff:10.0.0.7');
      expect(s.ipAddress).toBe('10.0.0.7');
      expect(table.size).toBe(1);
      expect([...(table.byCertificate('c1') ?? [])]).toEqual([s]);
      const gone = closed(socket);
      socket.destroy();
      await gone;
      expect(table.size).toBe(0);
      expect(table.byCertificate('c1')).toBeUndefined();
    });

    it('keeps IAM connections out of the certificate index and gives each session its own id', () => {
      const table = new ConnectionTable();
      const a = table.open(new PassThrough(), iam, undefined);
      const b = table.open(new PassThrough(), iam, undefined);
      expect(a.id).not.toBe(b.id);
      expect(a.ipAddress).toBeUndefined();
      expect([...table.values()]).toEqual([a, b]);
    });
  });

  describe('Method: drop', () => {
    it('closes the picked connections with the reason, keeping an earlier reason', async () => {
      const table = new ConnectionTable();
      const sockets = [new PassThrough(), new PassThrough(), new PassThrough()];
      const [a, b, c] = sockets.map((sock, i) => table.open(sock, cert(`c${i}`), '127.0.0.1'));
      if (!a || !b || !c) throw new Error('sessions not opened');
      b.reason = 'CLIENT_ERROR';
      table.drop((s) => s !== c, 'AUTH_ERROR', 'test', silentLogger());
      expect(a.reason).toBe('AUTH_ERROR');
      expect(b.reason).toBe('CLIENT_ERROR');
      expect(c.reason).toBeUndefined();
      expect(sockets.map((sock) => sock.destroyed)).toEqual([true, true, false]);
    });
  });

  describe('Method: trackRegistrations', () => {
    it('knows which session aedes holds per client id, through a takeover and a disconnect', async () => {
      const aedes = await pool.start();
      const table = new ConnectionTable();
      table.trackRegistrations(aedes);
      const sessions = [table.open(new PassThrough(), iam, undefined), table.open(new PassThrough(), iam, undefined)];
      const bindTo = (i: number) => (client: Parameters<ConnectionTable['bind']>[1]) => table.bind(sessions[i] as (typeof sessions)[0], client);

      const first = await connectInProcess(aedes, { clientId: 'dup' }, bindTo(0));
      expect(table.registered('dup')).toBe(sessions[0]);
      // [MQTT-3.1.4-2] the second connection with the same id takes over
      const second = await connectInProcess(aedes, { clientId: 'dup' }, bindTo(1));
      await until(() => table.registered('dup') === sessions[1], 5000, 'takeover registered');
      first.end(true);
      await second.endAsync();
      await until(() => table.registered('dup') === undefined, 5000, 'client unregistered');
    });
  });
});
