import type { FunctionDefinition } from '../functions/registry';
import { FUNCTION_NAMES, type FunctionName, TIMESTREAM } from '../protocol/resources';
import { COACH_CACHE_SHADOW, CONFIG_SHADOW, DAILY_SHADOW, PET_SHADOW, REASONING_SHADOW, TOPICS } from '../protocol/topics';
import { type AwsScope, bedrockModelArns, iotTopicArn, logGroupArn, namedShadowArn, sagemakerEndpointArn, timestreamTableArn } from './arns';
import type { InfraConfig } from './config';
import { functionLogGroup } from './names';
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
  };
}
