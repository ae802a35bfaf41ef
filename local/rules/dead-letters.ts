import { ulid } from 'ulid';
import { z } from 'zod';
import { DurableMap } from '../../common/journal';

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

/** The on-disk dead-letter queue (`{dataDir}/rules/dead-letters.*`, fsync'd JSON lines). */
export class DeadLetterQueue {
  private constructor(private readonly map: DurableMap<DeadLetter>) {}

  static open(dir: string): DeadLetterQueue {
    return new DeadLetterQueue(DurableMap.open<DeadLetter>(dir, 'dead-letters'));
  }

  /** Adds an entry; resolves once it is on disk. */
  async add(entry: Omit<DeadLetter, 'id' | 'createdAt'>, now = Date.now()): Promise<DeadLetter> {
    const letter: DeadLetter = { ...entry, id: ulid(now), createdAt: now };
    await this.map.set(letter.id, letter);
    return letter;
  }

  /** Entries oldest first (ids are ULIDs). */
  list(): DeadLetter[] {
    return [...this.map.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  get(id: string): DeadLetter | undefined {
    return this.map.get(id);
  }

  async update(letter: DeadLetter): Promise<void> {
    await this.map.set(letter.id, letter);
  }

  async remove(id: string): Promise<void> {
    await this.map.delete(id);
  }

  close(): void {
    this.map.close();
  }
}
