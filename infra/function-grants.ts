import type { FunctionDefinition } from '../functions/registry';
import { FUNCTION_NAMES, type FunctionName, TIMESTREAM } from '../protocol/resources';
import { COACH_CACHE_SHADOW, CONFIG_SHADOW, DAILY_SHADOW, PET_SHADOW, REASONING_SHADOW, TOPICS } from '../protocol/topics';
import { AVATAR_KEY_PREFIX } from '../protocol/avatar-ref';
import { type AwsScope, bedrockModelArns, iotTopicArn, lambdaFunctionArn, logGroupArn, namedShadowArn, s3Arn, sagemakerEndpointArn, timestreamTableArn } from './arns';
import type { InfraConfig } from './config';
import { avatarBucketName, functionLogGroup } from './names';
import { type PolicyStatement, wildcardResourceStatement } from './policy';

/**
 * What each function calls, written down once: the tables it writes and queries, the
 * named shadows it reads and updates, the topics it publishes to, and whether it lists
 * things or asks Bedrock / SageMaker. The grants below are built from it, and
 * `infra/function-grants.test.ts` reads the functions' bundled sources to prove the list
 * matches the SDK commands and shadow names the code uses.
 *
 * Not granted: `timestream:CreateTable`, which the daily summary calls only when table
 * `daily` is missing; here the data stack owns the table, and a table the function made
 * would be outside Terraform's state.
 */
export interface FunctionAccess {
  timestreamWrite: readonly string[];
  timestreamSelect: readonly string[];
  shadowsRead: readonly string[];
  shadowsUpdate: readonly string[];
  /** IoT data-plane Publish (the error channel) */
  publish: readonly string[];
  /** iot:ListThings (the daily run walks the fleet) */
  listThings: boolean;
  /** Converse on the configured coach model (when the coach is `bedrock`) */
  bedrock: boolean;
  /** InvokeEndpoint on the configured model endpoint (when one is configured) */
  sagemaker: boolean;
  /** InvokeModel on the avatar's image model */
  imageModel: boolean;
  /** the avatar images in the avatars bucket: HeadObject/GetObject (s3:GetObject, with s3:ListBucket so a missing key is 404), PutObject */
  avatarImages: boolean;
  /** functions it invokes with Lambda's Invoke API */
  invokes: readonly FunctionName[];
}

const ERRORS_TOPIC = TOPICS.errors.pattern;

export const FUNCTION_ACCESS: Readonly<Record<FunctionName, FunctionAccess>> = Object.freeze({
  [FUNCTION_NAMES.ingest]: {
    timestreamWrite: [TIMESTREAM.telemetryTable],
    timestreamSelect: [],
    shadowsRead: [],
    shadowsUpdate: [],
    publish: [ERRORS_TOPIC],
    listThings: false,
    bedrock: false,
    sagemaker: false,
    imageModel: false,
    avatarImages: false,
    invokes: [],
  },
  [FUNCTION_NAMES.reasoning]: {
    timestreamWrite: [],
    timestreamSelect: [TIMESTREAM.telemetryTable, TIMESTREAM.dailyTable],
    shadowsRead: [PET_SHADOW, CONFIG_SHADOW, REASONING_SHADOW, COACH_CACHE_SHADOW],
    shadowsUpdate: [PET_SHADOW, REASONING_SHADOW, COACH_CACHE_SHADOW],
    publish: [ERRORS_TOPIC],
    listThings: false,
    bedrock: true,
    sagemaker: true,
    imageModel: false,
    avatarImages: false,
    invokes: [FUNCTION_NAMES.avatar],
  },
  [FUNCTION_NAMES.dailySummary]: {
    timestreamWrite: [TIMESTREAM.dailyTable],
    timestreamSelect: [TIMESTREAM.telemetryTable, TIMESTREAM.dailyTable],
    shadowsRead: [DAILY_SHADOW, CONFIG_SHADOW],
    shadowsUpdate: [DAILY_SHADOW],
    publish: [ERRORS_TOPIC],
    listThings: true,
    bedrock: true,
    sagemaker: false,
    imageModel: false,
    avatarImages: false,
    invokes: [],
  },
  [FUNCTION_NAMES.avatar]: {
    timestreamWrite: [],
    timestreamSelect: [],
    shadowsRead: [PET_SHADOW],
    shadowsUpdate: [PET_SHADOW],
    publish: [ERRORS_TOPIC],
    listThings: false,
    bedrock: false,
    sagemaker: false,
    imageModel: true,
    avatarImages: true,
    invokes: [],
  },
});

/** The access of one function of the registry; a function without an entry stops the synthesis. */
export function functionAccess(def: FunctionDefinition): FunctionAccess {
  const access = (FUNCTION_ACCESS as Record<string, FunctionAccess | undefined>)[def.name];
  if (access === undefined) throw new Error(`function ${def.name} has no entry in infra/function-grants.ts FUNCTION_ACCESS: write down what it calls`);
  return access;
}

/** The execution role's statements: logs, the failure destination, then exactly the access above. */
export function functionStatements(aws: AwsScope, config: InfraConfig, def: FunctionDefinition, deadLetterArn: string): PolicyStatement[] {
  const a = functionAccess(def);
  const table = (t: string) => timestreamTableArn(aws, TIMESTREAM.database, t);
  const st: PolicyStatement[] = [
    { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroupArn(aws, functionLogGroup(def.name), true)] },
    { Sid: 'FailureDestination', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [deadLetterArn] },
  ];
  if (a.timestreamWrite.length > 0) st.push({ Sid: 'TimestreamWrite', Effect: 'Allow', Action: ['timestream:WriteRecords'], Resource: a.timestreamWrite.map(table) });
  if (a.timestreamSelect.length > 0) st.push({ Sid: 'TimestreamQuery', Effect: 'Allow', Action: ['timestream:Select'], Resource: a.timestreamSelect.map(table) });
  if (a.timestreamWrite.length + a.timestreamSelect.length > 0) st.push(wildcardResourceStatement('TimestreamEndpoints', ['timestream:DescribeEndpoints']));
  if (a.shadowsRead.length > 0) st.push({ Sid: 'ReadShadows', Effect: 'Allow', Action: ['iot:GetThingShadow'], Resource: a.shadowsRead.map((s) => namedShadowArn(aws, s)) });
  if (a.shadowsUpdate.length > 0) st.push({ Sid: 'UpdateShadows', Effect: 'Allow', Action: ['iot:UpdateThingShadow'], Resource: a.shadowsUpdate.map((s) => namedShadowArn(aws, s)) });
  if (a.publish.length > 0) st.push({ Sid: 'Publish', Effect: 'Allow', Action: ['iot:Publish'], Resource: a.publish.map((t) => iotTopicArn(aws, t)) });
  if (a.listThings) st.push(wildcardResourceStatement('ListThings', ['iot:ListThings']));
  if (a.bedrock && config.coach.kind === 'bedrock') st.push({ Sid: 'Coach', Effect: 'Allow', Action: ['bedrock:InvokeModel'], Resource: bedrockModelArns(aws, config.coach.modelId) });
  if (a.sagemaker && config.modelEndpoint !== undefined) {
    st.push({ Sid: 'Models', Effect: 'Allow', Action: ['sagemaker:InvokeEndpoint'], Resource: [sagemakerEndpointArn(aws, config.modelEndpoint)] });
  }
  st.push(...avatarStatements(aws, config, a));
  return st;
}

/** The image model, the avatars bucket, and the functions it invokes. */
function avatarStatements(aws: AwsScope, config: InfraConfig, a: FunctionAccess): PolicyStatement[] {
  const st: PolicyStatement[] = [];
  if (a.imageModel) st.push({ Sid: 'ImageModel', Effect: 'Allow', Action: ['bedrock:InvokeModel'], Resource: bedrockModelArns(aws, config.avatar.modelId) });
  if (a.avatarImages) {
    const bucket = avatarBucketName(config);
    st.push({ Sid: 'AvatarImages', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [s3Arn(bucket, `${AVATAR_KEY_PREFIX}*`)] });
    // without ListBucket, HeadObject of a missing key is 403 instead of 404 (S3 API, HeadObject "Permissions")
    st.push({ Sid: 'AvatarLookups', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: [s3Arn(bucket)] });
  }
  if (a.invokes.length > 0) st.push({ Sid: 'Invoke', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: a.invokes.map((f) => lambdaFunctionArn(aws, f)) });
  return st;
}

/** The function's environment on AWS: the registry's, plus what the deployment decides. */
export function functionEnvironment(config: InfraConfig, def: FunctionDefinition, iotDataEndpoint: string): Record<string, string> {
  const a = functionAccess(def);
  return {
    ...def.environment,
    // the account's IoT data endpoint (the SDK reads AWS_ENDPOINT_URL_IOT_DATA_PLANE)
    AWS_ENDPOINT_URL_IOT_DATA_PLANE: `https://${iotDataEndpoint}`,
    NODE_OPTIONS: '--enable-source-maps',
    ...(a.bedrock ? { PULSEPET_COACH: config.coach.kind, PULSEPET_COACH_MODEL_ID: config.coach.modelId } : {}),
    ...(a.sagemaker && config.modelEndpoint !== undefined ? { MODEL_ENDPOINT: config.modelEndpoint } : {}),
    ...(a.avatarImages ? { PULSEPET_AVATAR_BUCKET: avatarBucketName(config) } : {}),
    ...(a.imageModel ? { PULSEPET_AVATAR_MODEL_ID: config.avatar.modelId } : {}),
  };
}
