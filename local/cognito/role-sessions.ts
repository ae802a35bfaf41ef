import { randomBytes } from 'node:crypto';
import type { PolicyEvaluator } from '../policy/evaluator';
import type { RoleSession, RoleSessions } from '../ports';

/** Cognito's enhanced flow hands out credentials valid for one hour (GetCredentialsForIdentity). */
export const SESSION_LIFETIME_MS = 60 * 60 * 1000;
/** An expired session is kept this long, so its key is answered "expired", not "unknown". */
export const EXPIRED_KEPT_MS = 60 * 60 * 1000;
/** Most sessions kept at once; the oldest goes first (each browser start takes one). */
export const MAX_SESSIONS = 20_000;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `n` random characters of the base-32 alphabet AWS access key ids use. */
function base32(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += BASE32[b & 31];
  return out;
}

/**
 * The temporary credentials the local identity pool issued, in memory: the gateway and
 * the broker look them up by access key id. They expire after an hour as on AWS; a
 * restart forgets them (the display then fetches new ones, as the SDK does once its
 * credentials are refused or expire).
 */
export class RoleSessionStore implements RoleSessions {
  readonly #sessions = new Map<string, RoleSession>();
  readonly #listeners: Array<(s: RoleSession) => void> = [];

  constructor(
    private readonly opts: { lifetimeMs?: number; maxSessions?: number; now?: () => number } = {},
  ) {}

  /**
   * New credentials for `arn` (the assumed role's session) with the role's `rights`:
   * `ASIA…` key id (20 characters, as STS's temporary keys), a 40-character secret, an
   * opaque session token.
   */
  issue(arn: string, rights: PolicyEvaluator): RoleSession {
    const now = this.#now();
    this.#prune(now);
    const session: RoleSession = {
      accessKeyId: `ASIA${base32(16)}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(160).toString('base64'),
      expiresAt: now + (this.opts.lifetimeMs ?? SESSION_LIFETIME_MS),
      arn,
      rights,
    };
    this.#sessions.set(session.accessKeyId, session);
    for (const l of this.#listeners) l(session);
    return session;
  }

  /** Calls `listener` with every session issued from now on (the broker process gets a copy of each). */
  onIssue(listener: (s: RoleSession) => void): void {
    this.#listeners.push(listener);
  }

  /** Keeps a session another store issued (the broker process's copy of the stack's sessions). */
  adopt(session: RoleSession): void {
    this.#prune(this.#now());
    this.#sessions.set(session.accessKeyId, session);
  }

  /** Every session kept, oldest first. */
  all(): RoleSession[] {
    return [...this.#sessions.values()];
  }

  find(accessKeyId: string): RoleSession | undefined {
    return this.#sessions.get(accessKeyId);
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Drops sessions expired long enough, then the oldest past the cap (insertion order is age). */
  #prune(now: number): void {
    const max = this.opts.maxSessions ?? MAX_SESSIONS;
    for (const [id, s] of this.#sessions) {
      if (s.expiresAt + EXPIRED_KEPT_MS > now && this.#sessions.size < max) break;
      this.#sessions.delete(id);
    }
  }

  #now(): number {
    return (this.opts.now ?? Date.now)();
  }
}
