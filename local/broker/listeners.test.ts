import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../common/logger';
import { type Device, type RegistryFixture, startRegistryFixture, until } from '../../test/support/local/broker';
import type { BrokerPrincipal } from './authz';
import { CertificateAuthenticator } from './cert-auth';
import { type Admit, listenTls, type TlsListener } from './tls-listener';
import { WebSocketListener } from './websocket-listener';

interface Admitted {
  principal: BrokerPrincipal;
  ip: string | undefined;
}

let fx: RegistryFixture;
beforeAll(async () => {
  fx = await startRegistryFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** A TLS listener with the fixture's server certificate and registry, handing connections to `admit`. */
function listenWith(admit: Admit): Promise<TlsListener> {
  const tls = { key: fx.server.privateKeyPem, cert: fx.server.certificatePem, ca: fx.ca.certificatePem };
  return listenTls({ host: '127.0.0.1', port: 0, tls, certAuth: new CertificateAuthenticator(fx.registry), log: silentLogger(), admit });
}

describe('Function: listenTls', () => {
  let listener: TlsListener;
  const admitted: Admitted[] = [];

  beforeAll(async () => {
    listener = await listenWith((socket, principal, ip) => {
      admitted.push({ principal, ip });
      socket.end();
    });
  });
  afterAll(async () => {
    await listener?.close();
  });

  /** Opens a TLS connection with `device`'s certificate; resolves when the server closes it. */
  function connectWith(device: Device): Promise<void> {
    return new Promise((resolve) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: listener.port,
        servername: 'localhost',
        ca: fx.ca.certificatePem,
        key: device.privateKeyPem,
        cert: device.certificatePem,
      });
      socket.on('error', () => {});
      socket.resume();
      socket.once('close', () => resolve());
    });
  }

  it('admits a registered ACTIVE certificate with its principal and address', async () => {
    const dev = await fx.device('pet-tls');
    await connectWith(dev);
    await until(() => admitted.length === 1, 5000, 'admitted connection');
    expect(admitted[0]).toEqual({
      principal: expect.objectContaining({ kind: 'certificate', certificateId: dev.certificateId, caCertificateId: fx.ca.certificateId }),
      ip: '127.0.0.1',
    });
  });

  it('resumes no TLS session, as IoT Core does not: each connection is a full handshake with its certificate', async () => {
    const dev = await fx.device('pet-tls-resume');
    const held: Admitted[] = [];
    // admitted connections stay open here, so the client reads what the server sends after the handshake
    const own = await listenWith((socket, principal, ip) => {
      held.push({ principal, ip });
      socket.resume();
    });
    /** Connects offering `session`; hangs up once the handshake is done, or once the server has sent a session ticket. */
    const handshake = (session?: Buffer): Promise<{ reused: boolean; ticket?: Buffer }> =>
      new Promise((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: own.port, servername: 'localhost', ca: fx.ca.certificatePem, key: dev.privateKeyPem, cert: dev.certificatePem, ...(session ? { session } : {}) });
        const done = (ticket?: Buffer): void => {
          resolve({ reused: socket.isSessionReused(), ...(ticket ? { ticket } : {}) });
          socket.end();
        };
        if (session) socket.once('secureConnect', () => done());
        else socket.once('session', (ticket: Buffer) => done(ticket));
        socket.on('error', () => {});
        socket.resume();
      });
    try {
      const first = await handshake();
      expect(first.ticket?.length).toBeGreaterThan(0);
      const second = await handshake(first.ticket);
      expect(second.reused).toBe(false);
      await until(() => held.length === 2, 5000, 'both connections admitted');
      for (const h of held) expect(h.principal).toEqual(expect.objectContaining({ certificateId: dev.certificateId }));
    } finally {
      await own.close();
    }
  });

  it('hangs up on a certificate the registry does not know, without admitting it', async () => {
    const before = admitted.length;
    await connectWith(await fx.device('pet-tls-stranger', { register: false }));
    expect(admitted.length).toBe(before);
  });
});

describe('Class: WebSocketListener', () => {
  let http: Server;
  let port: number;
  let listener: WebSocketListener;
  const admitted: Admitted[] = [];

  beforeAll(async () => {
    http = createServer();
    listener = new WebSocketListener({
      region: 'us-east-1',
      log: silentLogger(),
      admit: (stream, principal, ip) => {
        admitted.push({ principal, ip });
        stream.end();
      },
    });
    listener.attach(http, '/mqtt');
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
  });
  afterAll(async () => {
    listener.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  });

  /** Opens a WebSocket; resolves with the HTTP status of a refused upgrade, or 101 once open. */
  function open(path: string, protocol = 'mqtt'): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocol);
      ws.once('open', () => {
        resolve(101);
        ws.close();
      });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => resolve(0));
    });
  }

  it('admits a loopback client on the path as an IAM principal when no credentials are configured', async () => {
    expect(await open('/mqtt')).toBe(101);
    await until(() => admitted.length === 1, 5000, 'admitted connection');
    expect(admitted[0]).toEqual({ principal: { kind: 'iam', accessKeyId: 'loopback' }, ip: '127.0.0.1' });
  });

  it('drops an upgrade on another path when nothing else listens for upgrades', async () => {
    expect(await open('/other')).toBe(0);
  });

  it('answers 403 to an unsigned URL when credentials are configured', async () => {
    const signed = new WebSocketListener({
      region: 'us-east-1',
      wsCredentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret' },
      log: silentLogger(),
      admit: () => {
        throw new Error('must not admit');
      },
    });
    const server = createServer();
    signed.attach(server, '/mqtt');
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const signedPort = (server.address() as AddressInfo).port;
    try {
      const status = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${signedPort}/mqtt`, 'mqtt');
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => resolve(0));
      });
      expect(status).toBe(403);
    } finally {
      signed.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
