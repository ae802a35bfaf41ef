import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import { DISPLAY_IDENTITY_POOL_NAME, DISPLAY_IOT_POLICY_NAME, DISPLAY_ROLE_NAME, displayIotPolicyDocument, displayRolePolicyDocument, displayRoleTrustPolicyDocument } from '../protocol/display-access';
import { resourcesOf, resourceWith, statementsOf, type Synthesized, synthesize, TEST_ENV } from '../test/support/infra/synth';
import { DisplayConfigSchema } from '../protocol/display-config';
import { CACHING_DISABLED, DISPLAY_PREFIX } from './display-site';
import { fromTerraformLiteral } from './terraform-escape';

const ENV = { region: TEST_ENV.PULSEPET_AWS_REGION, accountId: TEST_ENV.PULSEPET_AWS_ACCOUNT_ID };
const POOL_ID = `\${aws_cognito_identity_pool.identity-pool.id}`;

let s: Synthesized;
let dist: string;
beforeAll(() => {
  dist = mkdtempSync(join(tmpdir(), 'pp-display-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>pet</title>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dist, 'config.json'), '{"region":"local"}');
  s = synthesize({ PULSEPET_DISPLAY_DIST: dist });
});
const objects = () => Object.values(resourcesOf(s.json.display, 'aws_s3_object'));

describe('Stack: display', () => {
  describe('Access', () => {
    it('lets unauthenticated identities of the display pool assume pulsepet-display, with the trust policy of protocol/', () => {
      expect(Testing.toHaveResourceWithProperties(s.raw.display, 'aws_cognito_identity_pool', { identity_pool_name: DISPLAY_IDENTITY_POOL_NAME, allow_unauthenticated_identities: true })).toBe(true);
      const role = resourceWith(s.json.display, 'aws_iam_role', 'name', DISPLAY_ROLE_NAME);
      expect(JSON.parse(String(role.assume_role_policy))).toEqual(JSON.parse(displayRoleTrustPolicyDocument(POOL_ID)));
      expect(Object.values(resourcesOf(s.json.display, 'aws_cognito_identity_pool_roles_attachment'))[0]).toMatchObject({
        identity_pool_id: POOL_ID,
        roles: { unauthenticated: `\${aws_iam_role.display-role.arn}` },
      });
    });

    it('gives the role exactly the rights protocol/display-access.ts gives it locally', () => {
      const policy = resourceWith(s.json.display, 'aws_iam_role_policy', 'name', DISPLAY_ROLE_NAME);
      const avatarBucket = `pp-test-avatars-${ENV.accountId}-${ENV.region}`;
      expect(JSON.parse(fromTerraformLiteral(String(policy.policy)))).toEqual(JSON.parse(displayRolePolicyDocument(ENV, avatarBucket)));
      expect(JSON.stringify(statementsOf(policy.policy))).toContain(`arn:aws:s3:::${avatarBucket}/avatars/*`);
      expect(statementsOf(policy.policy).filter((st) => [st.Resource].flat().includes('*'))).toEqual([expect.objectContaining({ Action: 'timestream:DescribeEndpoints' })]);
    });

    it('deploys the display’s IoT policy of protocol/ in the iot stack', () => {
      expect(JSON.parse(fromTerraformLiteral(String(resourceWith(s.json.iot, 'aws_iot_policy', 'name', DISPLAY_IOT_POLICY_NAME).policy)))).toEqual(JSON.parse(displayIotPolicyDocument()));
    });
  });

  describe('Site', () => {
    it('keeps the bucket private and encrypted, readable only by the distribution', () => {
      expect(Object.values(resourcesOf(s.json.display, 'aws_s3_bucket_public_access_block'))[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
      expect(JSON.stringify(Object.values(resourcesOf(s.json.display, 'aws_s3_bucket_server_side_encryption_configuration'))[0])).toContain('AES256');
      const [read] = statementsOf(Object.values(resourcesOf(s.json.display, 'aws_s3_bucket_policy'))[0]?.policy);
      expect(read).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
      expect(String(read?.Resource)).toMatch(/^\$\{aws_s3_bucket\.site_bucket_\w+\.arn\}\/\*$/);
      expect(read?.Condition?.StringEquals?.['AWS:SourceArn']).toMatch(/^\$\{aws_cloudfront_distribution\.site_cdn_\w+\.arn\}$/);
      expect(Object.values(resourcesOf(s.json.display, 'aws_s3_bucket'))[0]).toMatchObject({ bucket: `pp-test-display-${ENV.accountId}-${ENV.region}` });
    });

    it('serves it through CloudFront with an origin access control, HTTPS only, config.json never cached', () => {
      expect(Object.values(resourcesOf(s.json.display, 'aws_cloudfront_origin_access_control'))[0]).toMatchObject({ origin_access_control_origin_type: 's3', signing_behavior: 'always', signing_protocol: 'sigv4' });
      const cdn = Object.values(resourcesOf(s.json.display, 'aws_cloudfront_distribution'))[0];
      expect(cdn).toMatchObject({ enabled: true, default_cache_behavior: { viewer_protocol_policy: 'redirect-to-https' } });
      expect(JSON.stringify(cdn?.origin)).toMatch(/origin_access_control_id/);
      expect(cdn?.ordered_cache_behavior).toEqual([expect.objectContaining({ path_pattern: `${DISPLAY_PREFIX}config.json`, cache_policy_id: CACHING_DISABLED })]);
    });

    it('uploads every built file under display/, and writes its own runtime config in place of the local one', () => {
      expect(objects().map((o) => o.key).sort()).toEqual([`${DISPLAY_PREFIX}assets/index-abc123.js`, `${DISPLAY_PREFIX}config.json`, `${DISPLAY_PREFIX}index.html`]);
      expect(objects().find((o) => o.key === `${DISPLAY_PREFIX}index.html`)).toMatchObject({ content_type: 'text/html; charset=utf-8', cache_control: 'no-cache' });
      expect(objects().find((o) => String(o.key).includes('assets/'))?.cache_control).toContain('immutable');
      const config = JSON.parse(String(objects().find((o) => o.key === `${DISPLAY_PREFIX}config.json`)?.content));
      expect(config).toEqual({
        region: ENV.region,
        identityPoolId: POOL_ID,
        database: 'pulsepet',
        endpoints: {
          mqtt: `wss://\${data.aws_iot_endpoint.iot-data-endpoint.endpoint_address}/mqtt`,
          iotData: `https://\${data.aws_iot_endpoint.iot-data-endpoint.endpoint_address}`,
        },
      });
      // the page's own schema accepts it once Terraform has filled in the pool id and the endpoint
      const deployed = JSON.parse(
        JSON.stringify(config)
          .replaceAll(`\${data.aws_iot_endpoint.iot-data-endpoint.endpoint_address}`, 'abc123-ats.iot.eu-west-1.amazonaws.com')
          .replace(POOL_ID, 'eu-west-1:1f0c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f'),
      );
      expect(DisplayConfigSchema.parse(deployed)).toEqual(deployed);
    });

    it('refuses a display directory without a built page', () => {
      expect(() => synthesize({ PULSEPET_DISPLAY_DIST: join(dist, 'assets') })).toThrow(/no index.html: build the display first/);
    });
  });
});
