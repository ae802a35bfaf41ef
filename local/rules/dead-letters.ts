import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ulid } from 'ulid';
import { z } from 'zod';
import { readDurableMap } from '../../common/journal-read';
import { RecordLog, type RecordRef, readRecordLog } from '../../common/record-log';

/**
 * One delivery that failed for good: a Lambda invocation after AWS Lambda's async
 * retries (two, with backoff), or any other rule action. Kept on disk until an
 * operator replays or discards it.
 */
export const DeadLetterSchema = z.object({
  id: z.string(),
  /** epoch ms */
  createdAt: z.number(),
  ruleName: z.string(),
  /** API_Action key of the failed action */
  actionType: z.string(),
  /** the failed action as defined in the rule (functionArn, topic, table…) */
  action: z.record(z.string(), z.unknown()),
  /** resolved target: function name, topic, database.table */
  failedResource: z.string(),
  topic: z.string(),
  clientId: z.string().optional(),
  base64OriginalPayload: z.string(),
  /** what the action was given (the SQL output), base64 */
  base64ActionPayload: z.string(),
  /** the resolved service request (timestream WriteRecords), when one was built */
  request: z.unknown().optional(),
  attempts: z.number().int().min(0),
  errorMessage: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetterSchema>;

/** Disk bound of the dead-letter queue; past it a letter is not kept (logged instead). */
export const DEFAULT_DEAD_LETTER_MAX_BYTES = 1024 * 1024 * 1024;

const LOG_DIR = 'dead-letter-log';

type Header = Omit<DeadLetter, 'base64OriginalPayload' | 'base64ActionPayload' | 'request'>;

/**
 * Payloads of at least this many bytes (original, action payload and request together)
 * are kept deflated. Under overload every refused telemetry batch becomes a letter whose
 * original and action payloads are nearly the same JSON: deflated together, its record
 * takes under a quarter of the disk (1,337 against 6,054 bytes in a 10,000-device
 * overload run), so the queue's bound holds over four times as many letters.
 */
const DEFLATE_FROM_BYTES = 512;

/**
 * A letter's record: the small fields as the header; the payloads (raw) and the request
 * as blobs, or those three deflated into one blob with their lengths in the header (`z`).
 */
function toRecord(d: DeadLetter): { header: Header; blobs: Buffer[] } {
  const { base64OriginalPayload, base64ActionPayload, request, ...header } = d;
  const parts = [Buffer.from(base64OriginalPayload, 'base64'), Buffer.from(base64ActionPayload, 'base64'), Buffer.from(request === undefined ? '' : JSON.stringify(request))];
  const raw = Buffer.concat(parts);
  if (raw.length >= DEFLATE_FROM_BYTES) {
    const packed = deflateRawSync(raw, { level: 1 });
    if (packed.length < raw.length) return { header: { ...header, z: parts.map((b) => b.length) } as Header, blobs: [packed] };
  }
  return { header, blobs: parts };
}

/** The three blobs of a record, inflated when the header says they were deflated together; undefined when they do not fit. */
function unpacked(header: Record<string, unknown>, blobs: readonly Buffer[]): readonly Buffer[] | undefined {
  const z = header.z;
  if (z === undefined) return blobs;
  if (!Array.isArray(z) || z.length !== 3 || !z.every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  const [a, b, c] = z as [number, number, number];
  let raw: Buffer;
  try {
    raw = inflateRawSync(blobs[0] ?? Buffer.alloc(0), { maxOutputLength: a + b + c });
  } catch {
    return undefined;
  }
  if (raw.length !== a + b + c) return undefined;
  return [raw.subarray(0, a), raw.subarray(a, a + b), raw.subarray(a + b)];
}

function fromRecord(header: Record<string, unknown>, stored: readonly Buffer[]): DeadLetter | undefined {
  const blobs = unpacked(header, stored);
  if (blobs === undefined) return undefined;
  const [orig, act, req] = blobs;
  const { z: _packing, ...fields } = header;
  const letter = {
    ...fields,
    base64OriginalPayload: (orig ?? Buffer.alloc(0)).toString('base64'),
    base64ActionPayload: (act ?? Buffer.alloc(0)).toString('base64'),
    ...(req && req.length > 0 ? { request: JSON.parse(req.toString('utf8')) as unknown } : {}),
  };
  const r = DeadLetterSchema.safeParse(letter);
  return r.success ? r.data : undefined;
}

/**
 * The on-disk dead-letter queue (`{dataDir}/rules/dead-letter-log/`, a fsync'd
 * {@link RecordLog}): only each letter's small fields stay in memory; payloads are read
 * back when a letter is listed or replayed, so a flood of failures costs disk (up to
 * `maxBytes`), not memory. Queues written by earlier versions (`dead-letters.*`
 * journal files) are moved into the log when opened.
 */
export class DeadLetterQueue {
  private readonly index = new Map<string, { ref: RecordRef; header: Header }>();

  private constructor(private readonly log: RecordLog) {}

  static open(dir: string, opts: { maxBytes?: number } = {}): DeadLetterQueue {
    migrateJournal(dir);
    const { log, records } = RecordLog.open(join(dir, LOG_DIR), { fsync: { kind: 'always' }, maxBytes: opts.maxBytes ?? DEFAULT_DEAD_LETTER_MAX_BYTES });
    const q = new DeadLetterQueue(log);
    for (const r of records) {
      const id = String(r.header.id);
      const prev = q.index.get(id);
      if (prev) log.retire(prev.ref);
      if (r.type === 'E') q.index.set(id, { ref: r.ref, header: r.header as unknown as Header });
      else q.index.delete(id);
    }
    return q;
  }

  private put(d: DeadLetter, bounded = false): void {
    const { header, blobs } = toRecord(d);
    const ref = this.log.append('E', header, blobs, bounded);
    const prev = this.index.get(d.id);
    if (prev) this.log.retire(prev.ref);
    this.index.set(d.id, { ref, header });
  }

  /**
   * Adds an entry; resolves once it is on disk. Rejects with `PP_ERR_LIMIT`
   * (RecordLogFullError) when the queue holds `maxBytes` already.
   */
  async add(entry: Omit<DeadLetter, 'id' | 'createdAt'>, now = Date.now()): Promise<DeadLetter> {
    const letter: DeadLetter = { ...entry, id: ulid(now), createdAt: now };
    this.put(letter, true);
    await this.log.durable();
    return letter;
  }

  /** Whether a letter with this id is kept (no payload is read). */
  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Ids oldest first (ULIDs), each with the topic its message arrived on: no payload is read. */
  topics(): Array<{ id: string; topic: string }> {
    return [...this.index.entries()].map(([id, e]) => ({ id, topic: String(e.header.topic) })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Entries oldest first (ids are ULIDs), with their payloads. */
  list(): DeadLetter[] {
    return [...this.index.keys()]
      .sort()
      .map((id) => this.get(id))
      .filter((d): d is DeadLetter => d !== undefined);
  }

  /** How many letters the queue holds. */
  get size(): number {
    return this.index.size;
  }

  get(id: string): DeadLetter | undefined {
    const e = this.index.get(id);
    return e === undefined ? undefined : fromRecord(e.header, this.log.readBlobs(e.ref));
  }

  async update(letter: DeadLetter): Promise<void> {
    this.put(letter);
    await this.log.durable();
  }

  async remove(id: string): Promise<void> {
    const e = this.index.get(id);
    if (e === undefined) return;
    this.log.append('D', { id });
    this.log.retire(e.ref);
    this.index.delete(id);
    await this.log.durable();
  }

  close(): void {
    this.log.close();
  }
}

const OLD_FILES = ['dead-letters.snapshot.json', 'dead-letters.journal', 'dead-letters.journal.old'];

/** Letters of the journal-based queue of earlier versions move into the log once (fsync'd before the old files go). */
function migrateJournal(dir: string): void {
  if (!OLD_FILES.some((f) => existsSync(join(dir, f)))) return;
  const { log, records } = RecordLog.open(join(dir, LOG_DIR), { fsync: { kind: 'always' } });
  const present = new Set(records.map((r) => String(r.header.id)));
  for (const v of readDurableMap<unknown>(dir, 'dead-letters').values()) {
    const d = DeadLetterSchema.safeParse(v);
    if (!d.success || present.has(d.data.id)) continue;
    const { header, blobs } = toRecord(d.data);
    log.append('E', header, blobs);
  }
  log.close();
  for (const f of OLD_FILES) rmSync(join(dir, f), { force: true });
}

/**
 * Reads a data dir's dead letters without opening the queue for writing, so it is safe
 * while `pulsepet up` runs. Oldest first; entries that do not parse are left out.
 */
export function readDeadLetters(rulesDir: string): DeadLetter[] {
  const byId = new Map<string, DeadLetter>();
  for (const r of readRecordLog(join(rulesDir, LOG_DIR))) {
    const id = String(r.header.id);
    if (r.type === 'D') {
      byId.delete(id);
      continue;
    }
    const d = fromRecord(r.header, r.blobs);
    if (d) byId.set(id, d);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}
