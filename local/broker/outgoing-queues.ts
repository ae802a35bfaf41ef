import { Readable } from 'node:stream';
import type { DurableMap } from '../../common/journal';
import { encode, type JournalRecord, Packet, type PersistedPacket } from './persistence-records';

/** One queued delivery and its journal key (`o:{seq}`). */
export interface OutgoingEntry {
  key: string;
  seq: number;
  packet: PersistedPacket;
}

/**
 * The per-client queues of QoS 1/2 deliveries for the durable persistence, with the
 * semantics of aedes-persistence's memory implementation. Each queued packet gets a
 * sequence number, so it has a stable journal key and replays in enqueue order.
 */
export class OutgoingQueues {
  readonly #queues = new Map<string, OutgoingEntry[]>();
  #seq = 0;

  constructor(
    private readonly journal: DurableMap<JournalRecord>,
    /** journals without making the caller wait (a lost write only causes a redelivery) */
    private readonly background: (write: Promise<void>) => void,
  ) {}

  /** Puts replayed entries back, in enqueue order whatever order the journal gave them. */
  restore(replayed: Array<{ clientId: string; entry: OutgoingEntry }>): void {
    replayed.sort((a, b) => a.entry.seq - b.entry.seq);
    for (const { clientId, entry } of replayed) {
      this.#queue(clientId).push(entry);
      this.#seq = Math.max(this.#seq, entry.seq + 1);
    }
  }

  /** Queues a copy of `packet` for `clientId`; resolves once journaled (aedes then sends PUBACK). */
  enqueue(clientId: string, packet: PersistedPacket): Promise<void> {
    const copy = new Packet(packet);
    const seq = this.#seq++;
    const key = `o:${seq}`;
    this.#queue(clientId).push({ key, seq, packet: copy });
    return this.journal.set(key, { t: 'o', c: clientId, n: seq, p: encode(copy) });
  }

  /** aedes' `outgoingUpdate`: the message id assigned on sending, or a PUBLISH replaced by its PUBREL. */
  async update(clientId: string, packet: PersistedPacket): Promise<void> {
    for (const entry of this.#queues.get(clientId) ?? []) {
      const temp = entry.packet;
      if (temp.brokerId === packet.brokerId) {
        // messageIds wrap at 65535, so the broker counter identifies the packet.
        if (temp.brokerCounter === packet.brokerCounter) {
          temp.messageId = packet.messageId;
          this.background(this.journal.set(entry.key, { t: 'o', c: clientId, n: entry.seq, p: encode(temp) }));
          return;
        }
      } else if (temp.messageId === packet.messageId) {
        // e.g. PUBLISH replaced by its PUBREL once PUBREC arrived (QoS 2)
        entry.packet = packet;
        await this.journal.set(entry.key, { t: 'o', c: clientId, n: entry.seq, p: encode(packet) });
        return;
      }
    }
    throw new Error('no such packet');
  }

  /** Removes the delivery with `packet`'s message id (acknowledged) and returns it. */
  clearMessageId(clientId: string, packet: PersistedPacket): PersistedPacket | undefined {
    const queue = this.#queues.get(clientId);
    if (queue === undefined) return undefined;
    for (let i = 0; i < queue.length; i++) {
      const entry = queue[i] as OutgoingEntry;
      if (entry.packet.messageId !== packet.messageId) continue;
      queue.splice(i, 1);
      if (queue.length === 0) this.#queues.delete(clientId);
      // Not awaited: if a crash loses this delete the message is sent again (at-least-once).
      this.background(this.journal.delete(entry.key));
      return entry.packet;
    }
    return undefined;
  }

  /** The queued packets of `clientId`, as a snapshot (deliveries that clear entries do not disturb it). */
  stream(clientId: string): Readable {
    return Readable.from((this.#queues.get(clientId) ?? []).map((e) => e.packet));
  }

  #queue(clientId: string): OutgoingEntry[] {
    let q = this.#queues.get(clientId);
    if (q === undefined) {
      q = [];
      this.#queues.set(clientId, q);
    }
    return q;
  }
}
