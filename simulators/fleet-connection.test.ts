import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaMaterial, createCa, createKeysAndCertificate, createServerCertificate } from '../certs/index';
import { isPulsepetError } from '../protocol/errors';
import { type ShadowHarness, startShadowHarness } from '../test/support/local/shadow/harness';
import { FleetConnection, type FleetConnectionOptions } from './fleet-connection';

function nextMessage(c: FleetConnection, ms = 5000): Promise<{ topic: string; payload: Buffer }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no message within ${ms} ms`)), ms);
    c.onMessage((topic, payload) => {
      clearTimeout(t);
      resolve({ topic, payload });
    });
  });
}

describe('Class: FleetConnection', () => {
  describe('against the local IoT Core (mTLS, pulsepet-device policy)', () => {
    let h: ShadowHarness;
    let options: (thing: string) => Promise<FleetConnectionOptions>;
    const open: FleetConnection[] = [];
    beforeAll(async () => {
      h = await startShadowHarness();
      const url = new URL(h.mqttUrl);
      options = async (thing) => {
        const d = await h.provisionDirect(thing);
        return { host: url.hostname, port: Number(url.port), clientId: thing, cert: d.certificatePem, key: d.privateKeyPem, ca: h.caPem, servername: 'localhost' };
      };
    });
    afterAll(async () => {
      for (const c of open) c.destroy();
      await h?.close();
    });
    const connect = async (thing: string) => {
      const c = await FleetConnection.connect(await options(thing));
      open.push(c);
      return c;
    };

    it('updates its shadow at QoS 0 and receives the delta it subscribed to', async () => {
      const c = await connect('fleet-1');
      expect(await c.subscribe({ '$aws/things/fleet-1/shadow/update/delta': 0 })).toEqual([0]);
      const delta = nextMessage(c);
      await c.publish('$aws/things/fleet-1/shadow/update', JSON.stringify({ state: { desired: { mood: 'calm' } }, clientToken: 't-1' }));
      const m = await delta;
      expect(m.topic).toBe('$aws/things/fleet-1/shadow/update/delta');
      expect(JSON.parse(m.payload.toString('utf8'))).toMatchObject({ state: { mood: 'calm' }, clientToken: 't-1', version: 1 });
    });

    it('resolves a QoS 1 publish on PUBACK and receives QoS 1 deliveries', async () => {
      const c = await connect('fleet-2');
      expect(await c.subscribe({ 'dt/pulsepet/fleet-2/echo': 1 })).toEqual([1]);
      const got = nextMessage(c);
      await c.publish('dt/pulsepet/fleet-2/echo', 'hello', 1);
      expect((await got).payload.toString()).toBe('hello');
      const again = nextMessage(c);
      await c.publish('dt/pulsepet/fleet-2/echo', 'again', 1);
      expect((await again).payload.toString()).toBe('again');
    });

    it("gets 0x80 for another thing's topic and keeps the connection", async () => {
      const c = await connect('fleet-3');
      expect(await c.subscribe({ '$aws/things/victim/shadow/update/delta': 0, '$aws/things/fleet-3/shadow/update/delta': 0 })).toEqual([0x80, 0]);
      expect(c.isOpen).toBe(true);
    });

    it('rejects a client id the policy does not allow with the CONNACK reason', async () => {
      const opts = { ...(await options('fleet-4')), clientId: 'someone-else' };
      const err = await FleetConnection.connect(opts).catch((e: unknown) => e);
      expect(isPulsepetError(err, 'PP_ERR_TRANSPORT')).toBe(true);
      expect(String((err as Error).message)).toMatch(/someone-else: connect to .* failed: (CONNACK refused: not authorized|connection closed before CONNACK)/);
    });

    it('rejects a certificate the broker does not trust', async () => {
      const stranger = await createCa({ commonName: 'stranger CA' });
      const d = await createKeysAndCertificate(stranger, { commonName: 'fleet-5' });
      const opts = { ...(await options('fleet-5')), cert: d.certificatePem, key: d.keyPair.PrivateKey };
      const err = await FleetConnection.connect(opts).catch((e: unknown) => e);
      expect(isPulsepetError(err, 'PP_ERR_TRANSPORT')).toBe(true);
    });

    it('refuses a wildcard or empty publish topic without sending it or closing', async () => {
      const c = await connect('fleet-6');
      for (const topic of ['dt/pulsepet/fleet-6/#', 'dt/+/x', '']) {
        await expect(c.publish(topic, 'x')).rejects.toMatchObject({ code: 'PP_ERR_VALIDATION' });
      }
      expect(c.isOpen).toBe(true);
      expect(await c.subscribe({ 'dt/pulsepet/fleet-6/echo': 0 })).toEqual([0]);
    });

    it('reports a broker-side close to onClose and rejects later calls', async () => {
      const c = await connect('fleet-7');
      const closed = new Promise<Error | undefined>((resolve) => c.onClose(resolve));
      // a publish the policy forbids makes the broker drop the connection (IoT Core does the same)
      await c.publish('$aws/things/victim/shadow/update', '{}');
      const err = await closed;
      expect(isPulsepetError(err, 'PP_ERR_TRANSPORT')).toBe(true);
      expect(c.isOpen).toBe(false);
      await expect(c.publish('dt/pulsepet/fleet-7/x', 'x')).rejects.toMatchObject({ code: 'PP_ERR_TRANSPORT' });
      await expect(c.subscribe({ 'dt/pulsepet/fleet-7/x': 0 })).rejects.toMatchObject({ code: 'PP_ERR_TRANSPORT' });
    });

    it('ends cleanly: onClose gets no error', async () => {
      const c = await connect('fleet-8');
      const closed = new Promise<Error | undefined>((resolve) => c.onClose(resolve));
      await c.end();
      expect(await closed).toBeUndefined();
      expect(c.isOpen).toBe(false);
    });

    it('treats its own destroy as deliberate: onClose gets no error, later calls reject', async () => {
      const c = await connect('fleet-9');
      const closed = new Promise<Error | undefined>((resolve) => c.onClose(resolve));
      c.destroy();
      expect(await closed).toBeUndefined();
      await expect(c.publish('dt/pulsepet/fleet-9/x', 'x')).rejects.toMatchObject({ code: 'PP_ERR_TRANSPORT' });
    });
  });

  describe('packet framing (a TLS peer that writes byte by byte)', () => {
    let ca: CaMaterial;
    let server: Server;
    let device: { cert: string; key: string };
    /** what the fake broker writes after the CONNECT, and how it cuts it into writes */
    let script: (socket: TLSSocket) => void = () => {};
    beforeAll(async () => {
      ca = await createCa({ commonName: 'framing CA' });
      const s = await createServerCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
      const d = await createKeysAndCertificate(ca, { commonName: 'framer' });
      device = { cert: d.certificatePem, key: d.keyPair.PrivateKey };
      server = createServer({ key: s.privateKeyPem, cert: s.certificatePem, ca: ca.certificatePem, requestCert: true }, (socket) => {
        socket.setNoDelay(true);
        socket.once('data', () => script(socket));
        socket.on('error', () => {});
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    });
    afterAll(() => {
      server?.close();
    });
    const connect = (extra: Partial<FleetConnectionOptions> = {}) =>
      FleetConnection.connect({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        clientId: 'framer',
        ...device,
        ca: ca.certificatePem,
        servername: 'localhost',
        ...extra,
      });

    /** PUBLISH QoS 0 with a payload long enough for a 2-byte remaining length */
    const publish = (topic: string, payload: Buffer) => {
      const t = Buffer.from(topic);
      const len = 2 + t.length + payload.length;
      const rl = len < 128 ? [len] : [(len % 128) | 0x80, Math.floor(len / 128)];
      return Buffer.concat([Buffer.from([0x30, ...rl, t.length >> 8, t.length & 0xff]), t, payload]);
    };

    it('reassembles packets split across writes and splits packets sharing one', async () => {
      const big = Buffer.alloc(300, 7);
      const stream = Buffer.concat([Buffer.from([0x20, 0x02, 0x00, 0x00]), publish('a/b', big), publish('c', Buffer.from('x')), publish('d', Buffer.from('yz'))]);
      script = (socket) => {
        // CONNACK and the first publish byte by byte, the last two in one write
        const cut = stream.length - publish('c', Buffer.from('x')).length - publish('d', Buffer.from('yz')).length;
        let i = 0;
        const tick = () => {
          if (i < cut) {
            socket.write(stream.subarray(i, i + 1));
            i++;
            setImmediate(tick);
          } else socket.write(stream.subarray(cut));
        };
        tick();
      };
      const got: Array<[string, number]> = [];
      const done = new Promise<void>((resolve) => {
        void connect().then((c) => {
          c.onMessage((topic, payload) => {
            got.push([topic, payload.length]);
            if (got.length === 3) {
              c.destroy();
              resolve();
            }
          });
        });
      });
      await done;
      expect(got).toEqual([
        ['a/b', 300],
        ['c', 1],
        ['d', 2],
      ]);
    });

    it('acknowledges a QoS 1 delivery with a PUBACK of its packet identifier [MQTT-4.3.2-2]', async () => {
      let received: Promise<Buffer> = Promise.resolve(Buffer.alloc(0));
      script = (socket) => {
        const t = Buffer.from('q/1');
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        socket.write(Buffer.concat([Buffer.from([0x32, 2 + t.length + 2 + 2, 0x00, t.length]), t, Buffer.from([0x12, 0x34]), Buffer.from('hi')]));
        received = once(socket, 'data').then(([d]) => d as Buffer);
      };
      const c = await connect();
      const msg = nextMessage(c);
      expect((await msg).payload.toString()).toBe('hi');
      expect([...(await received)]).toEqual([0x40, 0x02, 0x12, 0x34]);
      c.destroy();
    });

    it('rejects the connect with the reason of a refusing CONNACK', async () => {
      script = (socket) => socket.end(Buffer.from([0x20, 0x02, 0x00, 0x05]));
      await expect(connect()).rejects.toThrow(/CONNACK refused: not authorized/);
    });

    it('pings every ¾ keep-alive interval and closes when the broker stops answering', async () => {
      let answered = 0;
      let twoAnswered: () => void = () => {};
      const twoPings = new Promise<void>((r) => {
        twoAnswered = r;
      });
      script = (socket) => {
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        socket.on('data', (d: Buffer) => {
          // answer the first two PINGREQs, then go silent
          if (d[0] !== 0xc0 || answered >= 2) return;
          socket.write(Buffer.from([0xd0, 0x00]));
          if (++answered === 2) twoAnswered();
        });
      };
      const c = await connect({ keepAliveSeconds: 1 });
      const closed = new Promise<Error | undefined>((resolve) => c.onClose(resolve));
      await twoPings;
      // answered pings keep it open
      expect(c.isOpen).toBe(true);
      const err = await closed;
      expect(err?.message).toMatch(/framer: no PINGRESP within 750 ms/);
    });

    it('delivers nothing after a protocol error in the same read', async () => {
      script = (socket) => {
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        // a packet of type 0 (reserved), then a valid PUBLISH, in one write
        setTimeout(() => socket.write(Buffer.concat([Buffer.from([0x00, 0x00]), publish('late', Buffer.from('x'))])), 20);
      };
      const c = await connect();
      const delivered: string[] = [];
      c.onMessage((topic) => delivered.push(topic));
      const err = await new Promise<Error | undefined>((resolve) => c.onClose(resolve));
      expect(err?.message).toMatch(/protocol error from the broker: unexpected packet type 0/);
      expect(delivered).toEqual([]);
    });

    it('closes with a protocol error on a malformed remaining length', async () => {
      script = (socket) => {
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
        setTimeout(() => socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])), 20);
      };
      const c = await connect();
      const err = await new Promise<Error | undefined>((resolve) => c.onClose(resolve));
      expect(err?.message).toMatch(/protocol error from the broker: malformed remaining length/);
    });
  });
});
