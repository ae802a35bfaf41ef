import { PulsepetError } from '../protocol/errors';

/** Bytes one entry takes in a segment file: its JSON line plus the newline. */
export function entryBytes(line: string): number {
  return Buffer.byteLength(line, 'utf8') + 1;
}

/**
 * The outbox's in-memory window of unacknowledged entries: each entry's serialized
 * record and arrival time, addressed by outbox index from `base` up, with a running
 * byte count. Dropping the front is amortised O(1): the arrays are cut only once
 * the dead prefix is both large and most of them.
 *
 * @example
 * const live = new LiveEntries(0);
 * live.push('{"s":{"t":1,"hr":60}}', Date.now());
 * live.line(0); // '{"s":{"t":1,"hr":60}}'
 * live.dropBelow(1); // live.bytes === 0
 */
export class LiveEntries {
  /** bytes of the live entries (as `entryBytes` counts them) */
  bytes = 0;
  private lines: string[] = [];
  /** arrival time (ms) of each entry; 0 for entries recovered from disk */
  private times: number[] = [];
  /** lines[offset] is entry `base` */
  private offset = 0;
  private first: number;

  constructor(base: number) {
    this.first = base;
  }

  /** Index of the oldest live entry. */
  get base(): number {
    return this.first;
  }

  /** Adds the next entry (its index is the previous last + 1). */
  push(line: string, arrivedAt: number): void {
    this.lines.push(line);
    this.times.push(arrivedAt);
    this.bytes += entryBytes(line);
  }

  /** The serialized record of live entry `i`; PP_ERR_INTERNAL if it is not in memory. */
  line(i: number): string {
    const l = this.lines[this.offset + (i - this.first)];
    if (l === undefined) throw new PulsepetError('PP_ERR_INTERNAL', `outbox entry ${i} is not in memory`);
    return l;
  }

  /** When entry `i` arrived (0 if it was recovered from disk or is unknown). */
  arrivedAt(i: number): number {
    return this.times[this.offset + (i - this.first)] ?? 0;
  }

  /** Forgets every entry below `head` (which becomes the new base). */
  dropBelow(head: number): void {
    for (let i = this.first; i < head; i++) {
      const l = this.lines[this.offset + (i - this.first)];
      if (l !== undefined) this.bytes -= entryBytes(l);
    }
    this.offset += head - this.first;
    this.first = head;
    if (this.offset > 4096 && this.offset * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.offset);
      this.times = this.times.slice(this.offset);
      this.offset = 0;
    }
  }
}
