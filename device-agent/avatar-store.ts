import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../common/logger';
import { AVATAR_HASH_RE } from '../protocol/avatar-ref';
import { AVATAR_HASH_TEXT_KEY, pngText, readPng, verifyAvatarPng } from '../protocol/avatar-png';

/** The avatar the watch shows: its hash (from the image's own hash mark) and where it is. */
export interface StoredAvatar {
  hash: string;
  /** absolute path of the PNG (`{dir}/current.png`) */
  file: string;
  bytes: number;
}

/** What a partial download remembers besides its bytes: the object's ETag and length. */
export interface PartMeta {
  etag?: string;
  total?: number;
}

const CURRENT = 'current.png';

/**
 * The agent's avatar files, in one directory it owns (default `{outbox}/avatar`, under
 * the outbox's lock):
 *
 * - `current.png`: the avatar the watch shows, replaced atomically (the verified part is
 *   fsync'd and renamed over it, then the directory is fsync'd). It names itself: its
 *   `pulsepet-avatar-hash` tEXt chunk is its hash (an unmarked one: its SHA-256), so after
 *   a restart the agent knows what the watch shows without a second file that could
 *   disagree with it.
 * - `{hash}.part`: a download in progress, continued with a Range request after a
 *   restart; `{hash}.part.json`: its ETag and length (`If-Match` on the resume).
 */
export class AvatarStore {
  private current: StoredAvatar | undefined;

  readonly dir: string;

  constructor(
    dir: string,
    private readonly log: Logger,
  ) {
    this.dir = resolve(dir);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.current = this.load();
  }

  /** The avatar on disk (verified when the store opened or when it was committed). */
  shown(): StoredAvatar | undefined {
    return this.current;
  }

  partPath(hash: string): string {
    return join(this.dir, `${checkHash(hash)}.part`);
  }

  /** Bytes already downloaded for `hash` (0 when there is no part). */
  partSize(hash: string): number {
    try {
      return statSync(this.partPath(hash)).size;
    } catch {
      return 0;
    }
  }

  readPartMeta(hash: string): PartMeta {
    try {
      const raw = JSON.parse(readFileSync(`${this.partPath(hash)}.json`, 'utf8')) as Record<string, unknown>;
      return { ...(typeof raw.etag === 'string' ? { etag: raw.etag } : {}), ...(Number.isSafeInteger(raw.total) ? { total: raw.total as number } : {}) };
    } catch {
      return {};
    }
  }

  /** Records the ETag and length of the object a part belongs to (temp file, fsync, rename). */
  writePartMeta(hash: string, meta: PartMeta): void {
    writeAtomic(`${this.partPath(hash)}.json`, JSON.stringify(meta));
  }

  /** Forgets a partial download (its bytes and its meta). */
  discardPart(hash: string): void {
    rmSync(this.partPath(hash), { force: true });
    rmSync(`${this.partPath(hash)}.json`, { force: true });
  }

  /**
   * Makes the finished part of `hash` the current avatar if it is an intact PNG marked
   * with `hash`; otherwise discards it and says why. Other parts are removed once a new
   * avatar is in place (they belong to avatars the pet no longer wants).
   */
  commitPart(hash: string): { ok: true; avatar: StoredAvatar } | { ok: false; reason: string } {
    const part = this.partPath(hash);
    const bytes = new Uint8Array(readFileSync(part));
    const v = verifyAvatar(bytes, hash);
    if (!v.ok) {
      this.discardPart(hash);
      return { ok: false, reason: v.reason };
    }
    const fd = openSync(part, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const file = join(this.dir, CURRENT);
    renameSync(part, file);
    syncDir(this.dir);
    this.current = { hash, file, bytes: bytes.length };
    for (const f of readdirSync(this.dir)) if (/^[0-9a-f]{64}\.part(\.json)?$/.test(f)) rmSync(join(this.dir, f), { force: true });
    return { ok: true, avatar: this.current };
  }

  /** `current.png` if it is intact and names a hash; a damaged one is removed (the pet falls back to no avatar). */
  private load(): StoredAvatar | undefined {
    const file = join(this.dir, CURRENT);
    if (!existsSync(file)) return undefined;
    const bytes = new Uint8Array(readFileSync(file));
    const hash = hashOf(bytes);
    if (hash === undefined) {
      this.log.warn({ file }, 'stored avatar is damaged; removed');
      rmSync(file, { force: true });
      return undefined;
    }
    return { hash, file, bytes: bytes.length };
  }
}

/**
 * Whether `bytes` are the avatar `hash`: an intact PNG marked with the hash (the
 * contract, protocol/avatar-png.ts); an unmarked intact PNG whose SHA-256 is the hash is
 * the same image named by its content, and passes too.
 */
export function verifyAvatar(bytes: Uint8Array, hash: string): { ok: true } | { ok: false; reason: string } {
  const marked = verifyAvatarPng(bytes, hash);
  if (marked.ok || pngText(bytes)?.[AVATAR_HASH_TEXT_KEY] !== undefined) return marked;
  if (!readPng(bytes).ok) return marked;
  return sha256Hex(bytes) === hash ? { ok: true } : marked;
}

/** The hash an intact avatar names: its mark, or for an unmarked PNG its SHA-256; undefined for damaged bytes. */
function hashOf(bytes: Uint8Array): string | undefined {
  if (!readPng(bytes).ok) return undefined;
  const mark = pngText(bytes)?.[AVATAR_HASH_TEXT_KEY];
  if (mark === undefined) return sha256Hex(bytes);
  return AVATAR_HASH_RE.test(mark) ? mark : undefined;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function checkHash(hash: string): string {
  if (!AVATAR_HASH_RE.test(hash)) throw new RangeError(`not an avatar hash: ${JSON.stringify(hash)}`);
  return hash;
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** A rename is durable only once its directory is (fsync(2)). */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
