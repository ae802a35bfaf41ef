/**
 * Certificate ownership tokens of the fleet provisioning MQTT API: CreateKeysAndCertificate
 * and CreateCertificateFromCsr hand one out with the new certificate; RegisterThing must
 * present it. AWS: a token expires after one hour, and a certificate not activated by
 * then is deleted. Locally a token is also bound to the connection that asked for it
 * (client id + claim certificate) and is single-use, so a replayed or foreign token is
 * refused. Tokens live in memory: after a restart a device starts over, as it must after
 * an expiry.
 * https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html
 */
import { randomBytes } from 'node:crypto';

/** AWS: "the certificateOwnershipToken … expires after one hour". */
export const DEFAULT_TOKEN_TTL_MS = 60 * 60 * 1000;

/** Who asked for the certificate: the token is valid on this binding only. */
export interface TokenBinding {
  clientId: string;
  claimCertificateId: string;
}

export interface OwnershipToken extends TokenBinding {
  certificateId: string;
  expiresAt: number;
}

/** Why a token is refused (each becomes an `InvalidCertificateOwnershipToken` rejection). */
export type TokenRefusal = 'empty' | 'unknown' | 'expired' | 'used' | 'foreign';

export const TOKEN_REFUSAL_MESSAGES: Record<TokenRefusal, string> = {
  empty: 'Certificate ownership token cannot be empty.',
  unknown: 'The certificate ownership token is invalid.',
  expired: 'The certificate ownership token has expired.',
  used: 'The certificate ownership token has already been used.',
  foreign: 'The certificate ownership token was issued to another connection.',
};

/**
 * Issued tokens, until used or expired. `onExpired` gets the certificate of each
 * token that expired unused (the service deletes it if it is still not activated).
 */
export class OwnershipTokens {
  private readonly live = new Map<string, OwnershipToken>();
  /** used and expired tokens, remembered for one more lifetime so a replay is named as such */
  private readonly spent = new Map<string, { why: 'used' | 'expired'; forgetAt: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: {
      ttlMs?: number;
      now?: () => number;
      onExpired?: (token: OwnershipToken) => void;
      /** how often expired tokens are swept (default: a minute, or the TTL when shorter) */
      sweepMs?: number;
    } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get ttlMs(): number {
    return this.opts.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
  }

  /** Starts sweeping expired tokens on a timer (unref'd). */
  start(): void {
    this.timer ??= setInterval(() => this.sweep(), this.opts.sweepMs ?? Math.min(60_000, this.ttlMs)).unref();
  }

  /** A new token for `certificateId`, bound to the requesting connection. */
  issue(certificateId: string, binding: TokenBinding): string {
    const token = randomBytes(48).toString('base64url');
    this.live.set(token, { ...binding, certificateId, expiresAt: this.now() + this.ttlMs });
    return token;
  }

  /**
   * Takes the token for one RegisterThing: valid, unexpired, unused and presented by
   * the connection it was issued to. Consumed at once, so two requests cannot both use it.
   */
  consume(token: string, presenter: TokenBinding): OwnershipToken | TokenRefusal {
    if (token === '') return 'empty';
    const t = this.live.get(token);
    if (!t) return this.spent.get(token)?.why ?? 'unknown';
    if (t.expiresAt <= this.now()) {
      this.expire(token, t);
      return 'expired';
    }
    if (t.clientId !== presenter.clientId || t.claimCertificateId !== presenter.claimCertificateId) return 'foreign';
    this.live.delete(token);
    this.spent.set(token, { why: 'used', forgetAt: t.expiresAt + this.ttlMs });
    return t;
  }

  /** Drops expired tokens (calling `onExpired` for unused ones) and forgets old spent ones. */
  sweep(): void {
    const now = this.now();
    for (const [token, t] of this.live) if (t.expiresAt <= now) this.expire(token, t);
    for (const [token, s] of this.spent) if (s.forgetAt <= now) this.spent.delete(token);
  }

  private expire(token: string, t: OwnershipToken): void {
    this.live.delete(token);
    this.spent.set(token, { why: 'expired', forgetAt: t.expiresAt + this.ttlMs });
    this.opts.onExpired?.(t);
  }

  get size(): number {
    return this.live.size;
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
