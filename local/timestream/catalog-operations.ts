import { z } from 'zod';
import type { TableMeta } from './catalog';
import { TimestreamError } from './errors';
import { type Operation, type OperationContext, ok, parseBody } from './operations';
import { RESOURCE_NAME } from './write-request';

/**
 * Timestream Write's database and table operations
 * (https://docs.aws.amazon.com/timestream/latest/APIReference/API_Operations_Amazon_Timestream_Write.html)
 * over the store's catalog.
 */

const RetentionSchema = z.object({
  MemoryStoreRetentionPeriodInHours: z.number().int().min(1).max(8766),
  MagneticStoreRetentionPeriodInDays: z.number().int().min(1).max(73000),
});
// names as WriteRecords checks them, so no table can be created that it refuses
const CreateTableSchema = z.object({
  DatabaseName: RESOURCE_NAME,
  TableName: RESOURCE_NAME,
  RetentionProperties: RetentionSchema.optional(),
  MagneticStoreWriteProperties: z.object({ EnableMagneticStoreWrites: z.boolean() }).passthrough().optional(),
}).passthrough(); // prettier-ignore
const TableRefSchema = z.object({ DatabaseName: RESOURCE_NAME, TableName: RESOURCE_NAME });
const DatabaseRefSchema = z.object({ DatabaseName: RESOURCE_NAME }).passthrough();
const ListTablesSchema = z.object({ DatabaseName: RESOURCE_NAME.optional() }).passthrough();

/** CreateTable's retention when the request names none (the Timestream defaults). */
const DEFAULT_TABLE_RETENTION = { MemoryStoreRetentionPeriodInHours: 6, MagneticStoreRetentionPeriodInDays: 73000 };

/** The API_Table shape of a table. */
export function describeTable(t: TableMeta, region: string): Record<string, unknown> {
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

/** The API_Database shape of a database. */
export function describeDatabase(name: string, createdMs: number, tableCount: number, region: string): Record<string, unknown> {
  return {
    Arn: `arn:aws:timestream:${region}:000000000000:database/${name}`,
    DatabaseName: name,
    TableCount: tableCount,
    CreationTime: createdMs / 1000,
    LastUpdatedTime: createdMs / 1000,
  };
}

/** The database operations, by operation name. */
export function databaseOperations({ store }: OperationContext): Record<string, Operation> {
  const { catalog } = store;
  return {
    async CreateDatabase(body, req) {
      const { DatabaseName } = parseBody(DatabaseRefSchema, body);
      const db = await catalog.createDatabase(DatabaseName);
      return ok({ Database: describeDatabase(db.name, db.createdMs, 0, req.region) });
    },
    async DescribeDatabase(body, req) {
      const { DatabaseName } = parseBody(DatabaseRefSchema, body);
      const db = catalog.database(DatabaseName);
      if (!db) throw new TimestreamError('ResourceNotFoundException', `The database ${DatabaseName} does not exist.`);
      return ok({ Database: describeDatabase(db.name, db.createdMs, catalog.listTables(db.name).length, req.region) });
    },
    async ListDatabases(_body, req) {
      const dbs = catalog.listDatabases();
      return ok({ Databases: dbs.map((d) => describeDatabase(d.name, d.createdMs, catalog.listTables(d.name).length, req.region)) });
    },
    async DeleteDatabase(body) {
      const { DatabaseName } = parseBody(DatabaseRefSchema, body);
      await catalog.deleteDatabase(DatabaseName);
      return ok({});
    },
  };
}

/** The table operations, by operation name. */
export function tableOperations({ store }: OperationContext): Record<string, Operation> {
  const { catalog } = store;
  return {
    async CreateTable(body, req) {
      const r = parseBody(CreateTableSchema, body);
      const magnetic = r.MagneticStoreWriteProperties?.EnableMagneticStoreWrites ?? false;
      const t = await catalog.createTable(r.DatabaseName, r.TableName, r.RetentionProperties ?? DEFAULT_TABLE_RETENTION, magnetic);
      return ok({ Table: describeTable(t, req.region) });
    },
    async UpdateTable(body, req) {
      const r = parseBody(CreateTableSchema, body);
      const t = catalog.requireTable(r.DatabaseName, r.TableName);
      await catalog.updateTable(t, r.RetentionProperties, r.MagneticStoreWriteProperties?.EnableMagneticStoreWrites);
      return ok({ Table: describeTable(t, req.region) });
    },
    async DeleteTable(body) {
      const r = parseBody(TableRefSchema, body);
      await store.deleteTable(r.DatabaseName, r.TableName);
      return ok({});
    },
    async DescribeTable(body, req) {
      const r = parseBody(TableRefSchema, body);
      return ok({ Table: describeTable(catalog.requireTable(r.DatabaseName, r.TableName), req.region) });
    },
    async ListTables(body, req) {
      const r = parseBody(ListTablesSchema, body);
      return ok({ Tables: catalog.listTables(r.DatabaseName).map((t) => describeTable(t, req.region)) });
    },
  };
}
