import {
  RejectedRecordsException,
  type TimestreamWriteClient,
  ValidationException,
  WriteRecordsCommand,
} from '@aws-sdk/client-timestream-write';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import { chunk, parseIngestEvent, toRecords } from './core';

/**
 * The ingest adapter: validated batch → WriteRecords calls through the real
 * `@aws-sdk/client-timestream-write`, with SDK exceptions translated into domain errors:
 * - a bad batch or rejected records → `PP_ERR_VALIDATION` (not retryable: the rules
 *   runtime reports it on the error channel, retrying cannot help);
 * - anything else (throttling, 5xx, network, missing table) → `PP_ERR_STORE`
 *   (retryable: the invocation fails so Lambda's async retries and the DLQ keep the batch).
 */

export interface IngestDeps {
  client: TimestreamWriteClient;
  database: string;
  table: string;
  logger: Logger;
}

export interface IngestResult {
  thing: string;
  batchId: string;
  seq: number;
  /** records written (one per sample) */
  records: number;
  /** WriteRecords calls made */
  calls: number;
}

export interface RejectedSample {
  /** index of the sample in the batch */
  sampleIndex: number;
  reason: string;
  existingVersion?: number;
}

/** Ingests one rule event. Throws PulsepetError (see module doc) when the batch is not fully stored. */
export async function ingest(event: unknown, deps: IngestDeps): Promise<IngestResult> {
  const e = parseIngestEvent(event);
  // the batch's fields on each line; no child logger per batch (pino's child() rebuilds its redaction per call)
  const at = { thing: e.thing, batchId: e.batch.batchId, seq: e.batch.seq };
  const { common, records } = toRecords(e);
  const calls = chunk(records);
  // Chunks are independent records, so they are written concurrently; a retry of the
  // whole batch is harmless because identical records are accepted as no-ops.
  const settled = await Promise.allSettled(
    calls.map((Records) => deps.client.send(
        new WriteRecordsCommand({ DatabaseName: deps.database, TableName: deps.table, CommonAttributes: common, Records }),
      )),
  );
  const rejected: RejectedSample[] = [];
  let storeFailure: unknown;
  let invalid: unknown;
  settled.forEach((s, i) => {
    if (s.status === 'fulfilled') return;
    const err = s.reason;
    if (err instanceof RejectedRecordsException) {
      for (const r of err.RejectedRecords ?? []) {
        const item: RejectedSample = { sampleIndex: i * 100 + (r.RecordIndex ?? 0), reason: r.Reason ?? 'rejected' };
        if (r.ExistingVersion !== undefined) item.existingVersion = Number(r.ExistingVersion);
        rejected.push(item);
      }
    } else if (err instanceof ValidationException) invalid ??= err;
    else storeFailure ??= err;
  });
  if (storeFailure !== undefined) {
    deps.logger.warn({ ...at, err: storeFailure }, 'timestream write failed; the invocation fails so it is retried');
    throw new PulsepetError('PP_ERR_STORE', `Timestream WriteRecords failed: ${describe(storeFailure)}`, {
      cause: storeFailure,
      details: { thing: e.thing, batchId: e.batch.batchId },
    });
  }
  if (invalid !== undefined) {
    throw new PulsepetError('PP_ERR_VALIDATION', `Timestream refused the batch: ${describe(invalid)}`, {
      cause: invalid,
      details: { thing: e.thing, batchId: e.batch.batchId },
    });
  }
  if (rejected.length > 0) {
    rejected.sort((a, b) => a.sampleIndex - b.sampleIndex);
    const shown = rejected.slice(0, 5).map((r) => `sample ${r.sampleIndex}: ${r.reason}`);
    deps.logger.warn({ ...at, rejected: rejected.length }, 'timestream rejected samples');
    throw new PulsepetError(
      'PP_ERR_VALIDATION',
      `Timestream rejected ${rejected.length} of ${e.batch.samples.length} samples: ${shown.join('; ')}`,
      { details: { thing: e.thing, batchId: e.batch.batchId, rejected } },
    );
  }
  deps.logger.debug({ ...at, records: e.batch.samples.length, calls: calls.length }, 'batch ingested');
  return { thing: e.thing, batchId: e.batch.batchId, seq: e.batch.seq, records: e.batch.samples.length, calls: calls.length };
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
