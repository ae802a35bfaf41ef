/**
 * What the pet display (a browser page) may do, and how it gets there, as AWS grants it:
 * the page takes temporary credentials for an unauthenticated identity of a Cognito
 * identity pool, which assumes the `pulsepet-display` IAM role. The role's policy is its
 * whole right on AWS (unauthenticated Cognito identities carry no IoT policy, cog-iot-policies.html);
 * the IoT policy below holds the same MQTT rights for authenticated identities later, which
 * need both. The same documents are created by `infra/` and enforced by the local stack.
 *
 * The display may read every pet's `pet` and `daily` shadows (HTTP and MQTT), query history
 * (Timestream tables `telemetry`, `daily`, `presence` and `petStates`), read avatar images
 * (`avatars/*` of the avatar bucket), and change the `config` shadow: nothing else,
 * not the server-only `reasoning` shadow, no telemetry, no control plane.
 *
 * "Persona only" is not expressible in IAM or IoT policies: they authorize an action on a
 * resource (a shadow, a topic), never a field of a payload. The role may update any key of
 * the `config` shadow's `desired`; the device applies only what `DeviceConfigSchema`
 * (protocol/shadows.ts) accepts, so a wrong value is refused there, not by the policy.
 *
 * Resources per action: https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html
 * (named shadows: `thing/{thing}/{shadow}`); Timestream: `database/{db}/table/{table}`
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/security_iam_service-with-iam.html);
 * S3 objects: `arn:aws:s3:::{bucket}/{key}`, with no region or account (S3 ARNs name neither,
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-arn-format.html).
 */
import { AVATARS, TIMESTREAM } from './resources';
import { CONFIG_SHADOW, DAILY_SHADOW, PET_SHADOW, REASONING_SHADOW, shadowTopic, shadowTopicPrefix } from './topics';

/** The IAM role unauthenticated display identities assume. */
export const DISPLAY_ROLE_NAME = 'pulsepet-display';
/** The IoT policy with the display's MQTT rights (for authenticated identities). */
export const DISPLAY_IOT_POLICY_NAME = 'pulsepet-display';
/** The Cognito identity pool of the display; pool names match `[\w ]+` (no hyphen). */
export const DISPLAY_IDENTITY_POOL_NAME = 'pulsepet_display';
/** Display MQTT client ids must start with this (`display-<random>`). */
export const DISPLAY_CLIENT_ID_PREFIX = 'display-';
/** The session name Cognito gives enhanced-flow credentials (`assumed-role/{role}/{session}`). */
export const COGNITO_SESSION_NAME = 'CognitoIdentityCredentials';
/** Shadows the display reads. */
export const DISPLAY_READ_SHADOWS = [PET_SHADOW, DAILY_SHADOW] as const;
/** The shadow the display writes (the persona switch). */
export const DISPLAY_WRITE_SHADOW = CONFIG_SHADOW;
/**
 * Timestream tables the display queries for history: vitals (`telemetry`), days
 * (`daily`), which pets exist and whether their device is connected (`presence`, the
 * grid's connection column) and the states each pet was given (`petStates`, the stress timeline).
 */
export const DISPLAY_HISTORY_TABLES = [TIMESTREAM.telemetryTable, TIMESTREAM.dailyTable, TIMESTREAM.presenceTable, TIMESTREAM.petStateTable] as const;

/** The account and region the role's resource ARNs name (partition `aws`). */
export interface AwsScope {
  region: string;
  accountId: string;
}

/** Topics the display publishes to: the read shadows' `get` and the config shadow's `update`. */
export function displayPublishTopics(thing = '*'): string[] {
  return [...DISPLAY_READ_SHADOWS.map((n) => shadowTopic(thing, n, 'get')), shadowTopic(thing, DISPLAY_WRITE_SHADOW, 'update')];
}

/**
 * Topics the display subscribes to and receives: every answer and event of the read
 * shadows (`get/accepted|rejected`, `update/accepted|rejected|delta|documents`), and the
 * answer to its own config update. Policy `*` stands for the thing (thing names have no `/`).
 */
export function displayReceiveTopics(thing = '*'): string[] {
  const read = DISPLAY_READ_SHADOWS.flatMap((n) => [`${shadowTopicPrefix(thing, n)}/get/*`, `${shadowTopicPrefix(thing, n)}/update/*`]);
  return [...read, shadowTopic(thing, DISPLAY_WRITE_SHADOW, 'update', 'accepted'), shadowTopic(thing, DISPLAY_WRITE_SHADOW, 'update', 'rejected')];
}

type Statement = { Sid: string; Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: string | string[] };

/** The MQTT statements, with every IoT ARN starting with `iotArn` (`arn:aws:iot:{region}:{account}:`). */
function mqttStatements(iotArn: string): Statement[] {
  const receive = displayReceiveTopics();
  const reasoning = `$aws/things/*/shadow/name/${REASONING_SHADOW}/*`;
  return [
    { Sid: 'ConnectAsDisplay', Effect: 'Allow', Action: 'iot:Connect', Resource: `${iotArn}client/${DISPLAY_CLIENT_ID_PREFIX}*` },
    { Sid: 'ShadowRequests', Effect: 'Allow', Action: 'iot:Publish', Resource: displayPublishTopics().map((t) => `${iotArn}topic/${t}`) },
    { Sid: 'ShadowFilters', Effect: 'Allow', Action: 'iot:Subscribe', Resource: receive.map((t) => `${iotArn}topicfilter/${t}`) },
    { Sid: 'ShadowMessages', Effect: 'Allow', Action: 'iot:Receive', Resource: receive.map((t) => `${iotArn}topic/${t}`) },
    {
      Sid: 'NoServerOnlyShadow',
      Effect: 'Deny',
      Action: ['iot:Publish', 'iot:Subscribe', 'iot:Receive'],
      Resource: [`${iotArn}topic/${reasoning}`, `${iotArn}topicfilter/${reasoning}`],
    },
  ];
}

/**
 * The `pulsepet-display` role's IAM policy (identity-based, IAM grammar): the MQTT rights
 * above, GetThingShadow on the `pet` and `daily` named shadows and UpdateThingShadow on
 * `config` of any thing, Timestream `Select` on the history tables (plus the endpoint
 * discovery the Timestream SDKs call first, which takes `*`), and S3 `GetObject` on the
 * avatar images (`avatars/*` of `avatarBucket`, nothing else of it).
 *
 * @example
 * displayRolePolicyDocument({ region: 'us-east-1', accountId: '123456789012' });
 */
export function displayRolePolicyDocument(scope: AwsScope, avatarBucket: string = AVATARS.bucket): string {
  const iotArn = `arn:aws:iot:${scope.region}:${scope.accountId}:`;
  const tsArn = `arn:aws:timestream:${scope.region}:${scope.accountId}:database/${TIMESTREAM.database}/table/`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      ...mqttStatements(iotArn),
      { Sid: 'ReadPetShadows', Effect: 'Allow', Action: 'iot:GetThingShadow', Resource: DISPLAY_READ_SHADOWS.map((n) => `${iotArn}thing/*/${n}`) },
      { Sid: 'ChangePersona', Effect: 'Allow', Action: 'iot:UpdateThingShadow', Resource: `${iotArn}thing/*/${DISPLAY_WRITE_SHADOW}` },
      { Sid: 'QueryHistory', Effect: 'Allow', Action: 'timestream:Select', Resource: DISPLAY_HISTORY_TABLES.map((t) => `${tsArn}${t}`) },
      { Sid: 'DiscoverTimestream', Effect: 'Allow', Action: 'timestream:DescribeEndpoints', Resource: '*' },
      { Sid: 'ReadAvatars', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${avatarBucket}/${AVATARS.keyPrefix}*` },
    ],
  });
}

/**
 * The IoT policy `pulsepet-display`: the role's MQTT rights, with region and account
 * wildcards like the device policy (protocol/policies.ts). Unauthenticated identities do
 * not use it; an authenticated identity needs it attached as well as the role.
 */
export function displayIotPolicyDocument(): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: mqttStatements('arn:aws:iot:*:*:') });
}

/**
 * The role's trust policy: assumed through Cognito (`AssumeRoleWithWebIdentity`) by
 * unauthenticated identities of the display's identity pool only
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html).
 */
export function displayRoleTrustPolicyDocument(identityPoolId: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': identityPoolId },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
        },
      },
    ],
  });
}

/** `arn:aws:iam::{account}:role/pulsepet-display` */
export function displayRoleArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:role/${DISPLAY_ROLE_NAME}`;
}

/** The principal of a display's requests: `arn:aws:sts::{account}:assumed-role/pulsepet-display/CognitoIdentityCredentials`. */
export function displaySessionArn(accountId: string): string {
  return `arn:aws:sts::${accountId}:assumed-role/${DISPLAY_ROLE_NAME}/${COGNITO_SESSION_NAME}`;
}
