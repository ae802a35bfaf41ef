import { Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import { DAILY_TABLE_RETENTION } from '../protocol/daily';
import { TIMESTREAM } from '../protocol/resources';
import { resourcesOf, type Synthesized, synthesize } from '../test/support/infra/synth';
import { DEFAULT_RETENTION, timestreamTables } from './data-stack';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

describe('Stack: data', () => {
  it('creates database pulsepet', () => {
    expect(Testing.toHaveResourceWithProperties(s.raw.data, 'aws_timestreamwrite_database', { database_name: TIMESTREAM.database })).toBe(true);
  });

  it('creates every table of the Timestream layout, and only those', () => {
    expect(timestreamTables()).toEqual(expect.arrayContaining(['telemetry', 'presence', 'daily']));
    const tables = Object.values(resourcesOf(s.json.data, 'aws_timestreamwrite_table')).map((t) => t.table_name);
    expect(tables.sort()).toEqual(timestreamTables().sort());
  });

  it.each(['telemetry', 'presence', 'daily'])('keeps table %s for the retention of its Terraform variables, with magnetic writes for late data', (table) => {
    const tf = resourcesOf(s.json.data, 'aws_timestreamwrite_table')[`table-${table}`];
    expect(tf).toMatchObject({
      database_name: `\${aws_timestreamwrite_database.database.database_name}`,
      retention_properties: { memory_store_retention_period_in_hours: `\${var.${table}_memory_hours}`, magnetic_store_retention_period_in_days: `\${var.${table}_magnetic_days}` },
      magnetic_store_write_properties: { enable_magnetic_store_writes: true },
      schema: { composite_partition_key: { type: 'DIMENSION', name: 'thing' } },
    });
    const vars = s.json.data.variable ?? {};
    expect(vars[`${table}_memory_hours`]).toMatchObject({ type: 'number', default: DEFAULT_RETENTION[table]?.memoryHours });
    expect(vars[`${table}_magnetic_days`]).toMatchObject({ type: 'number', default: DEFAULT_RETENTION[table]?.magneticDays });
    expect(JSON.stringify(vars[`${table}_memory_hours`]?.validation)).toContain(`var.${table}_memory_hours <= 8766`);
  });

  it('gives table daily the retention the daily summary creates it with when missing', () => {
    expect(DEFAULT_RETENTION.daily).toEqual({ memoryHours: DAILY_TABLE_RETENTION.MemoryStoreRetentionPeriodInHours, magneticDays: DAILY_TABLE_RETENTION.MagneticStoreRetentionPeriodInDays });
  });

  it('keeps the avatar images in a private, encrypted bucket named for the account and region', () => {
    const bucket = `pp-test-avatars-${s.config.accountId}-${s.config.region}`;
    expect(resourcesOf(s.json.data, 'aws_s3_bucket').avatars).toMatchObject({ bucket });
    expect(resourcesOf(s.json.data, 'aws_s3_bucket_public_access_block')['avatars-no-public-access']).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(resourcesOf(s.json.data, 'aws_s3_bucket_ownership_controls')['avatars-owner-enforced']).toMatchObject({ rule: { object_ownership: 'BucketOwnerEnforced' } });
    expect(JSON.stringify(resourcesOf(s.json.data, 'aws_s3_bucket_server_side_encryption_configuration')['avatars-encryption'])).toContain('AES256');
    expect(s.json.data.output?.avatar_bucket).toBeDefined();
  });
});
