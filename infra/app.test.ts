import { beforeAll, describe, expect, it } from 'vitest';
import { resourcesOf, STACK_NAMES, statementsOf, type Synthesized, synthesize, TEST_ENV } from '../test/support/infra/synth';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

/**
 * Every resource type each stack creates; a type added without a line here (and tests in
 * its stack's file) fails, so nothing is deployed that no test looked at.
 */
const RESOURCE_TYPES: Record<(typeof STACK_NAMES)[number], string[]> = {
  data: [
    'aws_s3_bucket',
    'aws_s3_bucket_ownership_controls',
    'aws_s3_bucket_public_access_block',
    'aws_s3_bucket_server_side_encryption_configuration',
    'aws_timestreamwrite_database',
    'aws_timestreamwrite_table',
  ],
  observability: [
    'aws_cloudwatch_dashboard',
    'aws_cloudwatch_log_group',
    'aws_cloudwatch_metric_alarm',
    'aws_kms_alias',
    'aws_kms_key',
    'aws_sns_topic',
    'aws_sns_topic_policy',
  ],
  compute: [
    'aws_iam_role',
    'aws_iam_role_policy',
    'aws_lambda_function',
    'aws_lambda_function_event_invoke_config',
    'aws_lambda_permission',
    'aws_scheduler_schedule',
    'aws_sqs_queue',
  ],
  iot: [
    'aws_cloudformation_stack',
    'aws_iam_role',
    'aws_iam_role_policy',
    'aws_iam_role_policy_attachment',
    'aws_iot_indexing_configuration',
    'aws_iot_logging_options',
    'aws_iot_policy',
    'aws_iot_thing_type',
    'aws_iot_topic_rule',
  ],
  display: [
    'aws_cloudfront_distribution',
    'aws_cloudfront_function',
    'aws_cloudfront_origin_access_control',
    'aws_cognito_identity_pool',
    'aws_cognito_identity_pool_roles_attachment',
    'aws_iam_role',
    'aws_iam_role_policy',
    'aws_s3_bucket',
    'aws_s3_bucket_ownership_controls',
    'aws_s3_bucket_policy',
    'aws_s3_bucket_public_access_block',
    'aws_s3_bucket_server_side_encryption_configuration',
    'aws_s3_object',
  ],
};

describe('The app', () => {
  it.each(STACK_NAMES.map((n) => [n]))('creates in the %s stack only the resource types its tests cover', (name) => {
    expect(Object.keys(s.json[name].resource ?? {}).sort()).toEqual(RESOURCE_TYPES[name]);
  });

  it('applies the stacks in dependency order: data and observability, compute, iot, display', () => {
    const deps = (name: (typeof STACK_NAMES)[number]) => s.stacks[name].dependencies.map((d) => d.node.id).sort();
    expect(deps('data')).toEqual([]);
    expect(deps('observability')).toEqual([]);
    expect(deps('compute')).toEqual(['pp-test-data', 'pp-test-observability']);
    expect(deps('iot')).toEqual(['pp-test-compute', 'pp-test-data']);
    expect(deps('display')).toEqual(['pp-test-iot']);
  });

  it('pins every stack’s provider to the configured region and account', () => {
    for (const name of STACK_NAMES) {
      expect((s.json[name] as { provider?: { aws?: unknown[] } }).provider?.aws).toEqual([{ region: TEST_ENV.PULSEPET_AWS_REGION, allowed_account_ids: [TEST_ENV.PULSEPET_AWS_ACCOUNT_ID] }]);
    }
  });

  it('keeps the state in S3 with a lock file when a state bucket is configured', () => {
    const remote = synthesize({ PULSEPET_STATE_BUCKET: 'pp-state' });
    const backend = (remote.json.compute as { terraform?: { backend?: Record<string, unknown> } }).terraform?.backend;
    expect(backend).toEqual({ s3: { bucket: 'pp-state', key: 'pp-test/compute.tfstate', region: TEST_ENV.PULSEPET_AWS_REGION, encrypt: true, use_lockfile: true } });
  });

  it('lets only CloudWatch alarms of this account publish to the alarm topic', () => {
    const [publish] = statementsOf(Object.values(resourcesOf(s.json.observability, 'aws_sns_topic_policy'))[0]?.policy);
    expect(publish).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: `arn:aws:sns:${TEST_ENV.PULSEPET_AWS_REGION}:${TEST_ENV.PULSEPET_AWS_ACCOUNT_ID}:pp-test-alarms`,
      Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:cloudwatch:${TEST_ENV.PULSEPET_AWS_REGION}:${TEST_ENV.PULSEPET_AWS_ACCOUNT_ID}:alarm:*` } },
    });
  });

  it('serves /display/ as index.html through a CloudFront function, and keeps bucket objects owned by the bucket', () => {
    const [fn] = Object.values(resourcesOf(s.json.display, 'aws_cloudfront_function'));
    expect(fn).toMatchObject({ runtime: 'cloudfront-js-2.0', publish: true });
    expect(String(fn?.code)).toContain("request.uri += 'index.html'");
    expect(Object.values(resourcesOf(s.json.display, 'aws_s3_bucket_ownership_controls'))[0]).toMatchObject({ rule: { object_ownership: 'BucketOwnerEnforced' } });
  });
});
