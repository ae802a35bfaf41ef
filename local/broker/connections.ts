import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type { Logger } from '../../common/logger';
import type { BrokerPrincipal } from './authz';
import type { DisconnectReason } from './presence';
import { markReason, normalizeIp, type Session } from './session';

/**
 * The broker's open connections ({@link Session}s), indexed the ways the broker
 * looks them up: by aedes client (every packet), by certificate (revocation) and by
 * the client id aedes has registered (duplicate client-id takeover).
 */
export class ConnectionTable {
  readonly #byClient = new WeakMap<object, Session>();
  readonly #byCert = new Map<string, Set<Session>>();
  readonly #open = new Set<Session>();
  /** mirrors aedes' registered clients through its public `client`/`clientDisconnect` events */
  readonly #registered = new Map<string, Session>();

  /** number of open connections (TLS + WebSocket) */
  get size(): number {
    return this.#open.size;
  }

  /** every open connection */
  values(): IterableIterator<Session> {
    return this.#open.values();
  }

  /** The session of an aedes client (undefined for the broker's own publishes). */
  sessionOf(client: Client | null | undefined): Session | undefined {
    return client ? this.#byClient.get(client) : undefined;
  }

  /** The session whose client aedes has registered under `clientId` (CONNACK sent, not yet gone). */
  registered(clientId: string): Session | undefined {
    return this.#registered.get(clientId);
  }

  /** The open sessions authenticated with `certificateId`. */
  byCertificate(certificateId: string): ReadonlySet<Session> | undefined {
    return this.#byCert.get(certificateId);
  }

  /** Records a new connection; it leaves the table when `socket` closes. */
  open(socket: Duplex, principal: BrokerPrincipal, ipAddress: string | undefined): Session {
    const ip = normalizeIp(ipAddress);
    const s: Session = { id: randomUUID(), socket, principal, subscriptions: new Set(), announced: false, ...(ip !== undefined ? { ipAddress: ip } : {}) };
    this.#open.add(s);
    const certId = principal.kind === 'certificate' ? principal.certificateId : undefined;
    if (certId !== undefined) {
      let set = this.#byCert.get(certId);
      if (!set) {
        set = new Set();
        this.#byCert.set(certId, set);
      }
      set.add(s);
    }
    socket.once('close', () => {
      this.#open.delete(s);
      if (certId === undefined) return;
      const set = this.#byCert.get(certId);
      set?.delete(s);
      if (set?.size === 0) this.#byCert.delete(certId);
    });
    return s;
  }

  /** Links the aedes client created for `s`'s socket. */
  bind(s: Session, client: Client): void {
    s.client = client;
    this.#byClient.set(client, s);
  }

  /** Follows which client aedes holds per client id ([MQTT-3.1.4-2] takeover). */
  trackRegistrations(aedes: Aedes): void {
    aedes.on('client', (client) => {
      const s = this.#byClient.get(client);
      if (s) this.#registered.set(client.id, s);
    });
    aedes.on('clientDisconnect', (client) => {
      if (this.#registered.get(client.id)?.client === client) this.#registered.delete(client.id);
    });
  }

  /** Closes every connection matching `pick` (certificate revoked, CA deactivated…), recording `reason`. */
  drop(pick: (s: Session) => boolean, reason: DisconnectReason, why: string, log: Logger): void {
    for (const s of this.#open) {
      if (!pick(s)) continue;
      markReason(s, reason);
      log.info({ clientId: s.clientId, session: s.id, why }, 'closing connection');
      if (s.client) s.client.close();
      else s.socket.destroy();
    }
  }
}
