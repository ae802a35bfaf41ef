import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { TimestreamwriteDatabase } from '@cdktf/provider-aws/lib/timestreamwrite-database';
import { TimestreamwriteTable } from '@cdktf/provider-aws/lib/timestreamwrite-table';
import { TerraformOutput, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { DAILY_TABLE_RETENTION } from '../protocol/daily';
import { TIMESTREAM } from '../protocol/resources';
import type { InfraConfig } from './config';
import { avatarBucketName } from './names';
import { PulsepetStack } from './pulsepet-stack';

/** Memory-store hours and magnetic-store days of one table. */
export interface TableRetention {
  memoryHours: number;
  magneticDays: number;
}

/**
 * Default retention per table; each is a Terraform variable (`cdktf deploy --var
 * telemetry_memory_hours=48`). The memory store takes the fast writes and recent
 * queries; older records live in the cheaper magnetic store, which also takes late
 * writes (an agent's outbox after days offline), so magnetic writes are on everywhere.
 * https://docs.aws.amazon.com/timestream/latest/developerguide/storage.html
 */
export const DEFAULT_RETENTION: Readonly<Record<string, TableRetention>> = Object.freeze({
  // the reasoning window and a day's summary read the last 24 h; a year of raw vitals for history
  [TIMESTREAM.telemetryTable]: { memoryHours: 24, magneticDays: 365 },
  [TIMESTREAM.presenceTable]: { memoryHours: 24, magneticDays: 90 },
  [TIMESTREAM.dailyTable]: { memoryHours: DAILY_TABLE_RETENTION.MemoryStoreRetentionPeriodInHours, magneticDays: DAILY_TABLE_RETENTION.MagneticStoreRetentionPeriodInDays },
});
/** For a table protocol/resources.ts adds later, until it gets its own line above. */
export const FALLBACK_RETENTION: TableRetention = { memoryHours: 24, magneticDays: 365 };

/** Every table of the Timestream layout (protocol/resources.ts TIMESTREAM, all but `database`). */
export function timestreamTables(): string[] {
  return Object.entries(TIMESTREAM)
    .filter(([key]) => key !== 'database')
    .map(([, table]) => table);
}

/**
 * Timestream for LiveAnalytics: database `pulsepet` and its tables, each partitioned by
 * the `thing` dimension every pulsepet record carries (queries name one thing). Data is
 * encrypted at rest with the AWS managed key unless a key is given (always on in Timestream).
 *
 * Timestream for LiveAnalytics is closed to new AWS customers since June 2025
 * (infra/README.md); accounts that used it before keep it.
 */
export class DataStack extends PulsepetStack {
  readonly database: TimestreamwriteDatabase;
  readonly tables = new Map<string, TimestreamwriteTable>();
  readonly avatars: S3Bucket;

  constructor(scope: Construct, config: InfraConfig) {
    super(scope, 'data', config);
    this.database = new TimestreamwriteDatabase(this, 'database', { databaseName: TIMESTREAM.database });
    for (const table of timestreamTables()) this.tables.set(table, this.table(table));
    this.avatars = this.avatarBucket(config);
  }

  /**
   * The avatar images (`avatars/{hash}.png`, written by pulsepet-avatar, read through
   * presigned URLs): private, owner-enforced, encrypted with S3-managed keys. A cache of
   * images that can be drawn again, so `cdktf destroy` may empty it.
   */
  private avatarBucket(config: InfraConfig): S3Bucket {
    const bucket = new S3Bucket(this, 'avatars', { bucket: avatarBucketName(config), forceDestroy: true });
    new S3BucketPublicAccessBlock(this, 'avatars-no-public-access', { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    new S3BucketOwnershipControls(this, 'avatars-owner-enforced', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'avatars-encryption', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' }, bucketKeyEnabled: true }],
    });
    new TerraformOutput(this, 'avatar_bucket', { value: bucket.bucket });
    return bucket;
  }

  private table(name: string): TimestreamwriteTable {
    const d = DEFAULT_RETENTION[name] ?? FALLBACK_RETENTION;
    const memory = new TerraformVariable(this, `${name}_memory_hours`, {
      type: 'number',
      default: d.memoryHours,
      description: `Hours table ${name} keeps records in the memory store (1–8766).`,
      validation: [{ condition: `\${var.${name}_memory_hours >= 1 && var.${name}_memory_hours <= 8766}`, errorMessage: 'Memory store retention is 1 to 8766 hours.' }],
    });
    const magnetic = new TerraformVariable(this, `${name}_magnetic_days`, {
      type: 'number',
      default: d.magneticDays,
      description: `Days table ${name} keeps records in the magnetic store (1–73000).`,
      validation: [{ condition: `\${var.${name}_magnetic_days >= 1 && var.${name}_magnetic_days <= 73000}`, errorMessage: 'Magnetic store retention is 1 to 73000 days.' }],
    });
    return new TimestreamwriteTable(this, `table-${name}`, {
      databaseName: this.database.databaseName,
      tableName: name,
      retentionProperties: { memoryStoreRetentionPeriodInHours: memory.numberValue, magneticStoreRetentionPeriodInDays: magnetic.numberValue },
      magneticStoreWriteProperties: { enableMagneticStoreWrites: true },
      schema: { compositePartitionKey: { type: 'DIMENSION', name: 'thing', enforcementInRecord: 'OPTIONAL' } },
    });
  }
}
