import { constants, type X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../common/logger';
import type { BrokerPrincipal } from './authz';
import type { CertificateAuthenticator } from './cert-auth';
import { normalizeIp } from './session';

/** Hands an authenticated connection to the broker. */
export type Admit = (socket: Duplex, principal: BrokerPrincipal, ipAddress: string | undefined, req?: IncomingMessage) => void;

/**
 * Just-in-time registration of a client certificate the registry does not accept yet (unknown,
 * or PENDING_ACTIVATION); the connection is closed once it settles, as IoT Core closes a
 * device's first connection (the device reconnects).
 */
export type AutoRegister = (peer: X509Certificate) => Promise<unknown>;

/** What {@link listenTls} listens on and whom it admits. */
export interface TlsListenerOptions {
  host: string;
  /** 0 picks a free port */
  port: number;
  /** server key and certificate chain (PEM); `ca` is advertised in the TLS CertificateRequest */
  tls: { key: string; cert: string; ca?: string };
  certAuth: Pick<CertificateAuthenticator, 'check'>;
  log: Logger;
  admit: Admit;
  autoRegister?: AutoRegister;
}

/** A listening MQTT-over-TLS server. */
export interface TlsListener {
  readonly port: number;
  /** Stops accepting connections; resolves once every connection has closed. */
  close(): Promise<void>;
}

/**
 * Listens for MQTT over TLS 1.2+ with X.509 client authentication, as IoT Core's
 * port 8883 does: a client certificate the registry does not accept is refused
 * before any MQTT byte is read; an accepted one is admitted with its principal.
 * https://docs.aws.amazon.com/iot/latest/developerguide/protocols.html
 */
export async function listenTls(opts: TlsListenerOptions): Promise<TlsListener> {
  const { log } = opts;
  const server = createTlsServer(
    {
      key: opts.tls.key,
      cert: opts.tls.cert,
      ...(opts.tls.ca ? { ca: opts.tls.ca } : {}),
      minVersion: 'TLSv1.2',
      requestCert: true,
      // Chains are verified against the registry below: registered CAs change at run time.
      rejectUnauthorized: false,
      // No TLS session resumption (device SDKs turn session caching off for IoT Core, which
      // has not offered it): every connection is a full handshake presenting its certificate.
      // Without tickets a connection also holds about 14 KiB less native memory
      // (bench/broker-rss.ts: 49.6 against 64 KiB), which counts at 10,000 connections.
      secureOptions: constants.SSL_OP_NO_TICKET,
    },
    (socket: TLSSocket) => {
      const peer = socket.getPeerX509Certificate();
      const check = opts.certAuth.check(peer);
      if (!check.ok) {
        log.warn({ certificateId: check.certificateId, reason: check.reason, ip: normalizeIp(socket.remoteAddress) }, 'TLS client refused');
        if (check.autoRegister && opts.autoRegister && peer) {
          // nothing is read from this connection; it closes once registration has settled
          void opts
            .autoRegister(peer)
            .catch((err: unknown) => log.error({ err, certificateId: check.certificateId }, 'just-in-time registration failed'))
            .finally(() => socket.destroy());
          return;
        }
        socket.destroy();
        return;
      }
      opts.admit(socket, check.principal, socket.remoteAddress);
    },
  );
  // Nagle's algorithm delays small MQTT packets (~40 ms per CONNACK round trip).
  server.on('connection', (raw: Socket) => raw.setNoDelay(true));
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'broker server error'));
  const port = (server.address() as AddressInfo).port;
  log.info({ host: opts.host, port }, 'broker listening (MQTT over TLS)');
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
