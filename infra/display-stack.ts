import { existsSync } from 'node:fs';
import { CognitoIdentityPool } from '@cdktf/provider-aws/lib/cognito-identity-pool';
import { CognitoIdentityPoolRolesAttachment } from '@cdktf/provider-aws/lib/cognito-identity-pool-roles-attachment';
import { DataAwsIotEndpoint } from '@cdktf/provider-aws/lib/data-aws-iot-endpoint';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { DISPLAY_IDENTITY_POOL_NAME, DISPLAY_ROLE_NAME, displayRolePolicyDocument, displayRoleTrustPolicyDocument } from '../protocol/display-access';
import type { DisplayConfig } from '../protocol/display-config';
import { TIMESTREAM } from '../protocol/resources';
import type { InfraConfig } from './config';
import { DISPLAY_PREFIX, DisplaySite } from './display-site';
import { avatarBucketName } from './names';
import { PulsepetStack } from './pulsepet-stack';
import { documentText, terraformLiteral } from './terraform-escape';

/** Where the built display is looked for when PULSEPET_DISPLAY_DIST is not set (display/vite.config.ts `outDir`). */
export const DEFAULT_DISPLAY_DIST = 'display/dist';

/**
 * The pet display on AWS: the Cognito identity pool whose unauthenticated identities
 * assume the `pulsepet-display` role with the rights protocol/display-access.ts gives it
 * (the same the local stack enforces), and the built page on S3 + CloudFront with its
 * runtime config.
 *
 * The runtime config has the page's shape (protocol/display-config.ts): `mqtt` =
 * `wss://{the account's IoT data endpoint}/mqtt` and `iotData` = that endpoint over
 * HTTPS; Cognito and Timestream are left to the SDKs' defaults for the region.
 */
export class DisplayStack extends PulsepetStack {
  readonly pool: CognitoIdentityPool;
  readonly role: IamRole;
  readonly site: DisplaySite;

  constructor(scope: Construct, config: InfraConfig) {
    super(scope, 'display', config);
    // Classic (basic) flow allowed: in the enhanced flow Cognito scopes unauthenticated
    // credentials down to a fixed list of services (AmazonCognitoUnAuthedIdentitiesSessionPolicy),
    // which may leave out IoT and Timestream; the basic flow gives the role's rights, no more.
    this.pool = new CognitoIdentityPool(this, 'identity-pool', { identityPoolName: DISPLAY_IDENTITY_POOL_NAME, allowUnauthenticatedIdentities: true, allowClassicFlow: true });
    this.role = new IamRole(this, 'display-role', {
      name: DISPLAY_ROLE_NAME,
      description: 'Assumed by the pet display’s unauthenticated Cognito identities (protocol/display-access.ts).',
      assumeRolePolicy: documentText(displayRoleTrustPolicyDocument(this.pool.id)),
    });
    const policy = new IamRolePolicy(this, 'display-role-policy', {
      name: DISPLAY_ROLE_NAME,
      role: this.role.id,
      policy: terraformLiteral(documentText(displayRolePolicyDocument(this.aws, avatarBucketName(config)))),
    });
    new CognitoIdentityPoolRolesAttachment(this, 'identity-pool-roles', { identityPoolId: this.pool.id, roles: { unauthenticated: this.role.arn }, dependsOn: [policy] });
    const endpoint = new DataAwsIotEndpoint(this, 'iot-data-endpoint', { endpointType: 'iot:Data-ATS' });
    // the page's protocol/display-config.ts shape; the account's ATS endpoint serves both MQTT over WebSocket and the shadows' HTTPS API
    const runtimeConfig: DisplayConfig = {
      region: config.region,
      identityPoolId: this.pool.id,
      database: TIMESTREAM.database,
      endpoints: { mqtt: `wss://${endpoint.endpointAddress}/mqtt`, iotData: `https://${endpoint.endpointAddress}` },
    };
    this.site = new DisplaySite(this, 'site', {
      bucketName: `${config.namePrefix}-display-${config.accountId}-${config.region}`,
      functionName: this.name('display-index'),
      distDir: config.displayDist ?? (existsSync(DEFAULT_DISPLAY_DIST) ? DEFAULT_DISPLAY_DIST : undefined),
      runtimeConfig: documentText(runtimeConfig),
    });
    new TerraformOutput(this, 'display_url', { value: `https://${this.site.distribution.domainName}/${DISPLAY_PREFIX}` });
    new TerraformOutput(this, 'identity_pool_id', { value: this.pool.id });
    new TerraformOutput(this, 'display_bucket', { value: this.site.bucket.bucket });
  }
}
