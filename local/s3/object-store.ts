import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../common/logger';
import type { ChecksumAlgorithm } from './checksums';
import { md5 } from './checksums';
import { removeFile, syncDir, TMP_MARK, writeFileDurably } from './durable-files';
import { SortedKeys } from './key-order';

/**
 * The local S3's objects on disk, under `{dataDir}/s3/`:
 *
 * ```
 * buckets/{bucket}/bucket.json                  the bucket (name, region, creation time)
 * buckets/{bucket}/objects/{hh}/{h}.json        an object's metadata, h = sha256(key) hex
 * buckets/{bucket}/objects/{hh}/{h}.{uuid}.bin  its bytes, named in the metadata
 * ```
 *
 * Keys never become paths (any UTF-8, slashes, `..` are safe). A write puts the bytes
 * in a new file, then replaces the metadata atomically (tmp + fsync + rename): the
 * metadata's rename is the commit, so a crash leaves the old object or the new one.
 * Files no metadata names (a crash between the two writes, or before an old file was
 * removed) are removed at open.
 */

/** What S3 keeps of an object beside its bytes. */
export interface ObjectMeta {
  key: string;
  size: number;
  /** quoted MD5 hex of the bytes (single-part upload) */
  etag: string;
  /** epoch ms, whole seconds (HTTP dates carry seconds) */
  lastModified: number;
  contentType: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  /** `x-amz-meta-*` headers, names lower-cased without the prefix */
  userMetadata: Record<string, string>;
  /** the additional checksum the upload carried (verified), returned on a whole-object GET */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
  /** the data file's name in the object's folder */
  dataFile: string;
}

/** What an upload supplies; the store fills in key, size, ETag, time and the data file. */
export type ObjectAttributes = Omit<ObjectMeta, 'key' | 'size' | 'etag' | 'lastModified' | 'dataFile'>;

export interface BucketInfo {
  name: string;
  region: string;
  /** epoch ms */
  createdAt: number;
}

interface Bucket {
  info: BucketInfo;
  dir: string;
  objects: Map<string, ObjectMeta>;
  keys: SortedKeys;
}

/**
 * Bucket naming rules for general purpose buckets
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
export function isValidBucketName(name: string): boolean {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) return false;
  if (name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) return false;
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return false;
  return !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name);
}

/** The disk store of the local S3 (see above). One process owns the data dir (its lock). */
export class S3ObjectStore {
  private readonly buckets = new Map<string, Bucket>();
  /** per-object write queues, so concurrent writes of one key commit one after the other */
  private readonly locks = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly root: string,
    private readonly log: Logger,
  ) {}

  /** Opens (creating) `{dataDir}/s3`, loading every bucket and object's metadata. */
  static async open(dataDir: string, logger: Logger): Promise<S3ObjectStore> {
    const store = new S3ObjectStore(join(dataDir, 's3'), logger.child({ component: 's3' }));
    await mkdir(join(store.root, 'buckets'), { recursive: true });
    for (const name of await readdir(join(store.root, 'buckets'))) await store.loadBucket(name);
    return store;
  }

  bucket(name: string): BucketInfo | undefined {
    return this.buckets.get(name)?.info;
  }

  listBuckets(): BucketInfo[] {
    return [...this.buckets.values()].map((b) => b.info).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Creates a bucket; false when it exists already. */
  async createBucket(name: string, region: string): Promise<boolean> {
    if (!isValidBucketName(name)) throw new Error(`invalid bucket name '${name}'`);
    if (this.buckets.has(name)) return false;
    const dir = join(this.root, 'buckets', name);
    await mkdir(join(dir, 'objects'), { recursive: true });
    const info: BucketInfo = { name, region, createdAt: Date.now() };
    await writeFileDurably(join(dir, 'bucket.json'), JSON.stringify(info));
    this.buckets.set(name, { info, dir, objects: new Map(), keys: new SortedKeys() });
    return true;
  }

  /** Deletes an empty bucket: 'missing', 'not-empty' or 'deleted'. */
  async deleteBucket(name: string): Promise<'missing' | 'not-empty' | 'deleted'> {
    const b = this.buckets.get(name);
    if (!b) return 'missing';
    if (b.objects.size > 0) return 'not-empty';
    this.buckets.delete(name);
    await removeFile(join(b.dir, 'bucket.json'));
    await rm(b.dir, { recursive: true, force: true });
    return 'deleted';
  }

  /** The object's metadata; undefined when the bucket or the key does not exist. */
  head(bucket: string, key: string): ObjectMeta | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  /** The keys of a bucket in S3's order (a live view: copy before awaiting). */
  sortedKeys(bucket: string): readonly string[] {
    return this.buckets.get(bucket)?.keys.all ?? [];
  }

  /**
   * The bytes of an object, whole or `[start, end]` (inclusive), with the metadata they
   * belong to; undefined when it does not exist. A read racing a replacement retries
   * with the new object's file.
   */
  async read(bucket: string, key: string, range?: { start: number; end: number }): Promise<{ meta: ObjectMeta; data: Buffer } | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const b = this.buckets.get(bucket);
      const meta = b?.objects.get(key);
      if (!b || !meta) return undefined;
      try {
        return { meta, data: await readRange(join(this.objectDir(b, key), meta.dataFile), meta.size, range) };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    throw new Error(`object ${bucket}/${key} kept changing while it was read`);
  }

  /**
   * Stores an object (replacing one of the same key). `precondition` runs against the
   * current object just before the commit (conditional writes) and may throw.
   */
  async put(bucket: string, key: string, data: Buffer, attrs: ObjectAttributes, precondition?: (current: ObjectMeta | undefined) => void): Promise<ObjectMeta> {
    const b = this.mustBucket(bucket);
    const dir = this.objectDir(b, key);
    await mkdir(dir, { recursive: true });
    const h = keyHash(key);
    const dataFile = `${h}.${randomUUID()}.bin`;
    await writeFileDurably(join(dir, dataFile), data);
    const now = Math.floor(Date.now() / 1000) * 1000;
    const meta: ObjectMeta = { ...attrs, key, size: data.length, etag: `"${md5(data).hex}"`, lastModified: now, dataFile };
    try {
      return await this.withKeyLock(b, key, async () => {
        const current = b.objects.get(key);
        precondition?.(current);
        await writeFileDurably(join(dir, `${h}.json`), JSON.stringify(meta));
        b.objects.set(key, meta);
        b.keys.add(key);
        if (current) await removeFile(join(dir, current.dataFile));
        return meta;
      });
    } catch (e) {
      await removeFile(join(dir, dataFile));
      throw e;
    }
  }

  /** Deletes an object; false when there was none. */
  async delete(bucket: string, key: string): Promise<boolean> {
    const b = this.mustBucket(bucket);
    return this.withKeyLock(b, key, async () => {
      const current = b.objects.get(key);
      if (!current) return false;
      const dir = this.objectDir(b, key);
      await removeFile(join(dir, `${keyHash(key)}.json`));
      await syncDir(dir);
      b.objects.delete(key);
      b.keys.remove(key);
      await removeFile(join(dir, current.dataFile));
      return true;
    });
  }

  private mustBucket(name: string): Bucket {
    const b = this.buckets.get(name);
    if (!b) throw new Error(`no bucket '${name}'`);
    return b;
  }

  private objectDir(b: Bucket, key: string): string {
    return join(b.dir, 'objects', keyHash(key).slice(0, 2));
  }

  private async withKeyLock<T>(b: Bucket, key: string, f: () => Promise<T>): Promise<T> {
    const id = `${b.info.name}/${key}`;
    const before = this.locks.get(id) ?? Promise.resolve();
    const run = before.then(f, f);
    const settled = run.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return run;
  }

  /** Loads a bucket folder: its info, every object's metadata; removes files nothing names. */
  private async loadBucket(name: string): Promise<void> {
    const dir = join(this.root, 'buckets', name);
    let info: BucketInfo;
    try {
      info = JSON.parse(await readFile(join(dir, 'bucket.json'), 'utf8')) as BucketInfo;
    } catch (e) {
      this.log.warn({ err: e, bucket: name }, 'folder without a readable bucket.json skipped');
      return;
    }
    const b: Bucket = { info, dir, objects: new Map(), keys: new SortedKeys() };
    const objectsDir = join(dir, 'objects');
    await mkdir(objectsDir, { recursive: true });
    for (const hh of await readdir(objectsDir)) await this.loadObjectDir(b, join(objectsDir, hh));
    this.buckets.set(name, b);
  }

  private async loadObjectDir(b: Bucket, dir: string): Promise<void> {
    const files = await readdir(dir);
    const named = new Set<string>();
    for (const f of files.filter((f) => f.endsWith('.json'))) {
      try {
        const meta = JSON.parse(await readFile(join(dir, f), 'utf8')) as ObjectMeta;
        if (`${keyHash(meta.key)}.json` !== f) throw new Error('metadata file name does not match its key');
        b.objects.set(meta.key, meta);
        b.keys.add(meta.key);
        named.add(meta.dataFile);
      } catch (e) {
        this.log.warn({ err: e, bucket: b.info.name, file: join(dir, f) }, 'unreadable object metadata skipped');
      }
    }
    for (const f of files) {
      const orphan = f.includes(TMP_MARK) || (f.endsWith('.bin') && !named.has(f));
      if (orphan) await removeFile(join(dir, f));
    }
  }
}

/** sha256 of the key, hex: the object's file name. */
function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

async function readRange(path: string, size: number, range?: { start: number; end: number }): Promise<Buffer> {
  if (!range) return readFile(path);
  const length = Math.min(range.end, size - 1) - range.start + 1;
  const out = Buffer.alloc(Math.max(0, length));
  const fh = await open(path, 'r');
  try {
    let read = 0;
    while (read < out.length) {
      const { bytesRead } = await fh.read(out, read, out.length - read, range.start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return out;
  } finally {
    await fh.close();
  }
}
