import { z } from 'zod';
import { PulsepetError } from '../../protocol/errors';
import { TimestreamError, validationError } from './errors';
import { type Operation, type OperationContext, ok, parseBody } from './operations';
import { MAX_ROWS_LIMIT } from './query-results';
import { type TranslatedQuery, translateQuery } from './query-translator';
import type { TelemetryStore } from './store';
import { parseWriteRecordsRequest } from './write-request';

/**
 * The data operations: WriteRecords (Timestream Write), Query and CancelQuery
 * (Timestream Query), and the DescribeEndpoints discovery both SDK clients call first.
 */

const QueryRequestSchema = z.object({
  QueryString: z.string().min(1).max(262144),
  ClientToken: z.string().optional(),
  NextToken: z.string().optional(),
  MaxRows: z.number().int().min(1).max(MAX_ROWS_LIMIT).optional(),
});
const CancelQuerySchema = z.object({ QueryId: z.string().min(1) });

/** The data operations, by operation name. */
export function dataOperations(ctx: OperationContext): Record<string, Operation> {
  const { store, results, now } = ctx;
  return {
    async DescribeEndpoints(_body, req) {
      // Endpoint discovery: answer with the gateway itself. Like Timestream's cell
      // endpoints, Address is a bare host name: the SDK swaps only the request hostname,
      // keeping scheme and port (used when the endpoint comes from AWS_ENDPOINT_URL).
      const host = String(req.headers.host ?? 'localhost');
      const address = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
      return ok({ Endpoints: [{ Address: address, CachePeriodInMinutes: 1440 }] });
    },
    async WriteRecords(body) {
      const result = await store.write(parseWriteRecordsRequest(body));
      if (result.rejected.length > 0) {
        const n = result.rejected.length;
        throw new TimestreamError('RejectedRecordsException', `One or more records have been rejected. See RejectedRecords for details (${n} rejected).`, {
          rejectedRecords: result.rejected,
        });
      }
      return ok({ RecordsIngested: result.ingested });
    },
    async Query(body) {
      const q = parseBody(QueryRequestSchema, body);
      if (q.NextToken !== undefined) return ok(results.nextPage(q.QueryString, q.NextToken, q.MaxRows));
      const translated = translateQuery(q.QueryString, (db, t) => store.catalog.table(db, t), now());
      const rows = await runTranslated(ctx, translated);
      return ok(results.firstPage(q.QueryString, translated.columns, rows, q.MaxRows));
    },
    async CancelQuery(body) {
      const { QueryId } = parseBody(CancelQuerySchema, body);
      results.cancel(QueryId);
      return ok({ CancellationMessage: `Query ${QueryId} cancelled.` });
    },
  };
}

/** DuckDB's error classes that are the store's failure, not the query's (its message starts with the class). */
const STORE_FAILURE = /^(IO|Out of Memory|INTERNAL|FATAL|Connection|Interrupt|TransactionContext) Error:/i;

/**
 * Runs translated SQL. An error of the query (DuckDB's binder, conversion or
 * out-of-range errors: SQL we translated but cannot run) is a client error; a failure
 * of the store itself (I/O, memory) is InternalServerException, which the SDKs retry.
 */
async function runTranslated({ store, log }: OperationContext, q: TranslatedQuery): Promise<Awaited<ReturnType<TelemetryStore['query']>>> {
  try {
    return await store.runQuery(q);
  } catch (e) {
    if (e instanceof PulsepetError) throw e;
    const first = String((e as Error)?.message ?? e).split('\n')[0] ?? '';
    if (STORE_FAILURE.test(first)) throw new TimestreamError('InternalServerException', 'The telemetry store failed to run the query.', { cause: e });
    log.info({ err: e, sql: q.sql }, 'translated query failed');
    throw validationError(`The query could not be executed: ${first}`);
  }
}
