import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import type { TableMeta } from './catalog';
import { TimestreamError, type TimestreamErrorType, validationError } from './errors';
import { MAX_ROWS_LIMIT, QueryResultCache } from './query-results';
import { translateQuery } from './query-translator';
import { parseWriteRecordsRequest } from './write-request';
import { TelemetryStore } from './store';

/**
 * Timestream's awsJson1_0 wire protocol on the local gateway (signing name `timestream`):
 * `POST /` with `X-Amz-Target: Timestream_20181101.<Operation>`, so the real
 * `@aws-sdk/client-timestream-write` and `client-timestream-query` work unchanged.
 * https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html
 */

const TARGET_PREFIX = 'Timestream_20181101.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const QUERY_OPS = new Set(['Query', 'CancelQuery', 'PrepareQuery']);
const NAME = z.string().min(3).max(256);

const QueryRequestSchema = z.object({
  QueryString: z.string().min(1).max(262144),
  ClientToken: z.string().optional(),
  NextToken: z.string().optional(),
  MaxRows: z.number().int().min(1).max(MAX_ROWS_LIMIT).optional(),
});
const RetentionSchema = z.object({
  MemoryStoreRetentionPeriodInHours: z.number().int().min(1).max(8766),
  MagneticStoreRetentionPeriodInDays: z.number().int().min(1).max(73000),
});
const CreateTableSchema = z.object({
  DatabaseName: NAME,
  TableName: NAME,
  RetentionProperties: RetentionSchema.optional(),
  MagneticStoreWriteProperties: z.object({ EnableMagneticStoreWrites: z.boolean() }).passthrough().optional(),
}).passthrough(); // prettier-ignore
const TableRefSchema = z.object({ DatabaseName: NAME, TableName: NAME });
const DatabaseRefSchema = z.object({ DatabaseName: NAME }).passthrough();
const ListTablesSchema = z.object({ DatabaseName: NAME.optional() }).passthrough();

export interface TimestreamServiceOptions {
  /** where `timestream.duckdb` lives; omit for an in-memory store */
  dataDir?: string;
  logger: Logger;
  /** clock (ms) for `now()` and the ingestion window; tests only */
  now?: () => number;
}

export interface TimestreamServiceHandle {
  service: GatewayService;
  store: TelemetryStore;
  close(): Promise<void>;
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success) {
    throw validationError(r.error.issues.map((i) => `Value at '${i.path.join('.') || 'body'}' failed: ${i.message}`).join('; '));
  }
  return r.data as z.infer<S>;
}

function errorResponse(op: string, type: TimestreamErrorType | string, message: string, status: number, extra = {}): GatewayResponse {
  // The namespace picks the SDK's error registry: write and query clients use different ones.
  const ns = op === 'DescribeEndpoints' ? '' : QUERY_OPS.has(op) ? 'com.amazonaws.timestreamquery#' : 'com.amazonaws.timestreamwrite#';
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-errortype': type },
    body: { __type: `${ns}${type}`, message, Message: message, ...extra },
  };
}

const ok = (body: object): GatewayResponse => ({ status: 200, headers: { 'content-type': CONTENT_TYPE }, body });

function describeTable(t: TableMeta, region: string): Record<string, unknown> {
  return {
    Arn: `arn:aws:timestream:${region}:000000000000:database/${t.database}/table/${t.name}`,
    TableName: t.name,
    DatabaseName: t.database,
    TableStatus: 'ACTIVE',
    RetentionProperties: t.retention,
    CreationTime: t.createdMs / 1000,
    LastUpdatedTime: t.createdMs / 1000,
    MagneticStoreWriteProperties: { EnableMagneticStoreWrites: t.magneticStoreWrites },
  };
}

/**
 * Creates the local Timestream service (store + protocol) for the gateway.
 * @example
 * const ts = await createTimestreamService({ dataDir, logger });
 * stack.addService(ts.service);
 */
export async function createTimestreamService(opts: TimestreamServiceOptions): Promise<TimestreamServiceHandle> {
  const log = opts.logger.child({ component: 'timestream' });
  const now = opts.now ?? Date.now;
  const store = await TelemetryStore.open({ logger: opts.logger, now, ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }) });
  const results = new QueryResultCache(now);

  const operations: Record<string, (body: unknown, req: GatewayRequest) => Promise<GatewayResponse>> = {
    async DescribeEndpoints(_body, req) {
      // Endpoint discovery: answer with the gateway itself. Like Timestream's cell
      // endpoints, Address is a bare host name: the SDK swaps only the request hostname,
      // keeping scheme and port (used when the endpoint comes from AWS_ENDPOINT_URL).
      const host = String(req.headers.host ?? 'localhost');
      const address = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
      return ok({ Endpoints: [{ Address: address, CachePeriodInMinutes: 1440 }] });
    },
    async WriteRecords(body) {
      const request = parseWriteRecordsRequest(body);
      const result = await store.write(request);
      if (result.rejected.length > 0) {
        const n = result.rejected.length;
        throw new TimestreamError('RejectedRecordsException', `One or more records have been rejected. See RejectedRecords for details (${n} rejected).`, {
          rejectedRecords: result.rejected,
        });
      }
      return ok({ RecordsIngested: result.ingested });
    },
    async Query(body) {
      const q = parse(QueryRequestSchema, body);
      if (q.NextToken !== undefined) return ok(results.nextPage(q.QueryString, q.NextToken, q.MaxRows));
      const translated = translateQuery(q.QueryString, (db, t) => store.catalog.table(db, t), now());
      let rows: Awaited<ReturnType<TelemetryStore['query']>>;
      try {
        rows = await store.query(translated.sql, translated.params);
      } catch (e) {
        if (e instanceof PulsepetError) throw e;
        // DuckDB binder errors mean SQL we translated but cannot run: a client error.
        log.info({ err: e, sql: translated.sql }, 'translated query failed');
        throw validationError(`The query could not be executed: ${(e as Error).message.split('\n')[0]}`);
      }
      return ok(results.firstPage(q.QueryString, translated.columns, rows, q.MaxRows));
    },
    async CancelQuery(body) {
      const { QueryId } = parse(z.object({ QueryId: z.string().min(1) }), body);
      results.cancel(QueryId);
      return ok({ CancellationMessage: `Query ${QueryId} cancelled.` });
    },
    async CreateDatabase(body, req) {
      const { DatabaseName } = parse(DatabaseRefSchema, body);
      const db = await store.catalog.createDatabase(DatabaseName);
      return ok({ Database: databaseShape(db.name, db.createdMs, 0, req.region) });
    },
    async DescribeDatabase(body, req) {
      const { DatabaseName } = parse(DatabaseRefSchema, body);
      const db = store.catalog.database(DatabaseName);
      if (!db) throw new TimestreamError('ResourceNotFoundException', `The database ${DatabaseName} does not exist.`);
      return ok({ Database: databaseShape(db.name, db.createdMs, store.catalog.listTables(db.name).length, req.region) });
    },
    async ListDatabases(_body, req) {
      const dbs = store.catalog.listDatabases();
      return ok({ Databases: dbs.map((d) => databaseShape(d.name, d.createdMs, store.catalog.listTables(d.name).length, req.region)) });
    },
    async CreateTable(body, req) {
      const r = parse(CreateTableSchema, body);
      const t = await store.catalog.createTable(
        r.DatabaseName,
        r.TableName,
        r.RetentionProperties ?? { MemoryStoreRetentionPeriodInHours: 6, MagneticStoreRetentionPeriodInDays: 73000 },
        r.MagneticStoreWriteProperties?.EnableMagneticStoreWrites ?? false,
      );
      return ok({ Table: describeTable(t, req.region) });
    },
    async UpdateTable(body, req) {
      const r = parse(CreateTableSchema, body);
      const t = store.catalog.requireTable(r.DatabaseName, r.TableName);
      await store.catalog.updateTable(t, r.RetentionProperties, r.MagneticStoreWriteProperties?.EnableMagneticStoreWrites);
      return ok({ Table: describeTable(t, req.region) });
    },
    async DeleteTable(body) {
      const r = parse(TableRefSchema, body);
      await store.deleteTable(r.DatabaseName, r.TableName);
      return ok({});
    },
    async DeleteDatabase(body) {
      const { DatabaseName } = parse(DatabaseRefSchema, body);
      await store.catalog.deleteDatabase(DatabaseName);
      return ok({});
    },
    async DescribeTable(body, req) {
      const r = parse(TableRefSchema, body);
      return ok({ Table: describeTable(store.catalog.requireTable(r.DatabaseName, r.TableName), req.region) });
    },
    async ListTables(body, req) {
      const r = parse(ListTablesSchema, body);
      return ok({ Tables: store.catalog.listTables(r.DatabaseName).map((t) => describeTable(t, req.region)) });
    },
  };

  function databaseShape(name: string, createdMs: number, tableCount: number, region: string): Record<string, unknown> {
    return {
      Arn: `arn:aws:timestream:${region}:000000000000:database/${name}`,
      DatabaseName: name,
      TableCount: tableCount,
      CreationTime: createdMs / 1000,
      LastUpdatedTime: createdMs / 1000,
    };
  }

  const service: GatewayService = {
    signingNames: ['timestream'],
    async handle(req: GatewayRequest): Promise<GatewayResponse> {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const handler = req.method === 'POST' && Object.hasOwn(operations, op) ? operations[op] : undefined;
      if (!handler) {
        return errorResponse(op, 'UnknownOperationException', `Unknown operation '${target}'.`, 400);
      }
      let body: unknown = {};
      if (req.body.length > 0) {
        try {
          body = JSON.parse(req.body.toString('utf8'));
        } catch {
          return errorResponse(op, 'SerializationException', 'The request body is not valid JSON.', 400);
        }
      }
      try {
        return await handler(body, req);
      } catch (e) {
        if (e instanceof TimestreamError) {
          if (e.type === 'InternalServerException') log.error({ err: e, op, requestId: req.requestId }, 'timestream operation failed');
          const extra = e.rejectedRecords ? { RejectedRecords: e.rejectedRecords } : {};
          return errorResponse(op, e.type, e.message, e.status, extra);
        }
        log.error({ err: e, op, requestId: req.requestId }, 'timestream operation failed');
        // never echo internal messages on a 500 (Fastify rule in CONVENTIONS.md)
        return errorResponse(op, 'InternalServerException', 'An internal error occurred.', 500);
      }
    },
  };
  return { service, store, close: () => store.close() };
}

