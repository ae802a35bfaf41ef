import { PulsepetError } from '../protocol/errors';
import { type RecordLog, RecordLogFullError, type RecordRef } from './record-log';

/** What a queue needs of a record log; {@link RecordLog} on disk, {@link EphemeralRecordLog} in memory. */
export type RecordStore = Pick<RecordLog, 'bytes' | 'append' | 'durable' | 'readBlobs' | 'retire' | 'close' | 'syncStats'>;

/**
 * A record log that keeps entry records in memory only: nothing survives the process.
 * For baselines (what durability costs) and throwaway stacks; updates and tombstones
 * are not kept, since nothing is ever replayed.
 */
export class EphemeralRecordLog implements RecordStore {
  /** never fsynced */
  readonly syncStats = { syncs: 0, totalMs: 0, maxMs: 0 };
  private readonly entries = new Map<number, Buffer[]>();
  private next = 0;
  private used = 0;

  constructor(private readonly maxBytes = Number.POSITIVE_INFINITY) {}

  get bytes(): number {
    return this.used;
  }

  append(type: string, _header: Record<string, unknown>, blobs: readonly Buffer[] = [], bounded = false): RecordRef {
    const length = blobs.reduce((n, b) => n + b.length, 0);
    if (bounded && this.used + length > this.maxBytes) throw new RecordLogFullError(this.used, this.maxBytes);
    const ref = { segment: 0, offset: this.next++, length };
    if (type === 'E') {
      this.entries.set(ref.offset, [...blobs]);
      this.used += length;
    }
    return ref;
  }

  durable(): Promise<void> {
    return Promise.resolve();
  }

  readBlobs(ref: RecordRef): Buffer[] {
    const blobs = this.entries.get(ref.offset);
    if (blobs === undefined) throw new PulsepetError('PP_ERR_STORE', `record ${ref.offset} is gone`);
    return blobs;
  }

  retire(ref: RecordRef): void {
    if (this.entries.delete(ref.offset)) this.used -= ref.length;
  }

  close(): void {
    this.entries.clear();
    this.used = 0;
  }
}
