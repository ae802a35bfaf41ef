import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CorruptStateError } from '../../common/startup-errors';

/**
 * One Cognito identity pool of the local stack. Its id (`<region>:<uuid>`, as AWS forms
 * them) is derived from a key made on first start and kept in the data dir, so it is the
 * same at every start of that data dir (and region). Identity ids are made the same way:
 * random, with a tag only this key can make, so the pool recognises its identities after
 * a restart without storing one (a browser keeps its identity id, as the SDK caches it).
 */
export interface IdentityPool {
  /** `us-east-1:0a1b2c3d-…` */
  readonly id: string;
  readonly name: string;
  readonly region: string;
  /** a new identity id `<region>:<uuid>` of this pool */
  newIdentityId(): string;
  /** true when `identityId` is one this pool made */
  hasIdentity(identityId: string): boolean;
}

const KEY_FILE = 'identity-pool-key.json';
const KeyFileSchema = z.object({ v: z.literal(1), key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/) });

/**
 * Opens (first start: creates) the identity pool `name` of the data dir for `region`.
 * The key file is 0600 in a 0700 dir; one that does not parse is reported as corrupt
 * rather than replaced (that would change the pool id the display is configured with).
 */
export function openIdentityPool(dataDir: string, region: string, name: string): IdentityPool {
  const key = loadOrCreateKey(join(dataDir, 'cognito'));
  const id = `${region}:${uuidFrom(tag(key, `pool\n${region}\n${name}`, 16))}`;
  return {
    id,
    name,
    region,
    newIdentityId() {
      const nonce = randomBytes(8);
      return `${region}:${uuidFrom(Buffer.concat([nonce, tag(key, identityMessage(id, nonce), 8)]))}`;
    },
    hasIdentity(identityId) {
      const m = /^([\w-]+):([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/.exec(identityId);
      if (!m || m[1] !== region) return false;
      const bytes = Buffer.from(m.slice(2).join(''), 'hex');
      const nonce = bytes.subarray(0, 8);
      return timingSafeEqual(bytes.subarray(8), tag(key, identityMessage(id, nonce), 8));
    },
  };
}

function identityMessage(poolId: string, nonce: Buffer): string {
  return `identity\n${poolId}\n${nonce.toString('hex')}`;
}

function tag(key: Buffer, message: string, bytes: number): Buffer {
  return createHmac('sha256', key).update(message).digest().subarray(0, bytes);
}

/** 16 bytes as `8-4-4-4-12` lowercase hex (the shape of Cognito's pool and identity ids). */
function uuidFrom(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function loadOrCreateKey(dir: string): Buffer {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, KEY_FILE);
  if (existsSync(path)) {
    try {
      return Buffer.from(KeyFileSchema.parse(JSON.parse(readFileSync(path, 'utf8'))).key, 'base64');
    } catch (e) {
      throw new CorruptStateError(path, `corrupt identity pool key ${path}`, e);
    }
  }
  const key = randomBytes(32);
  writeFileSync(path, JSON.stringify({ v: 1, key: key.toString('base64') }), { mode: 0o600 });
  chmodSync(path, 0o600);
  return key;
}
