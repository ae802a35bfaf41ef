/**
 * pulsepet's IoT rules as plain data, shaped exactly like the IoT API's
 * TopicRulePayload so the local rules runtime and `infra/` read the same thing.
 * https://docs.aws.amazon.com/iot/latest/apireference/API_TopicRulePayload.html
 */
import type { Action, TopicRulePayload } from './topic-rule-payload';
import { FUNCTION_NAMES, TIMESTREAM } from '../protocol/resources';
import { TOPICS } from '../protocol/topics';

/** The SQL dialect every pulsepet rule uses. */
export const AWS_IOT_SQL_VERSION = '2016-03-23';

export {
  type Action,
  ActionSchema,
  LambdaActionSchema,
  LOCAL_ACTION_TYPES,
  RepublishActionSchema,
  RULE_NAME_RE,
  TimestreamActionSchema,
  TimestreamDimensionSchema,
  type TopicRulePayload,
  TopicRulePayloadSchema,
} from './topic-rule-payload';

export interface RuleDefinition {
  ruleName: string;
  topicRulePayload: TopicRulePayload;
}

export interface RuleEnvironment {
  region: string;
  accountId: string;
}

export { FUNCTION_NAMES, TIMESTREAM } from '../protocol/resources';

/** IAM role the rules engine assumes for republish/Timestream (deployed by infra). */
export const RULES_ROLE_NAME = 'pulsepet-iot-rules';


export function lambdaArn(env: RuleEnvironment, functionName: string): string {
  return `arn:aws:lambda:${env.region}:${env.accountId}:function:${functionName}`;
}

export function roleArn(env: RuleEnvironment, name = RULES_ROLE_NAME): string {
  return `arn:aws:iam::${env.accountId}:role/${name}`;
}

/** Every rule's errorAction: republish AWS's error-action message to the operators' error topic. */
export function errorAction(env: RuleEnvironment): Action {
  return { republish: { topic: TOPICS.errors.pattern, qos: 1, roleArn: roleArn(env) } };
}

/** Writes a substitution template `${expr}` (iot-substitution-templates). */
export function substitution(expr: string): string {
  return `\${${expr}}`;
}

const TELEMETRY_FILTER = "'dt/pulsepet/+/telemetry'";

/**
 * The pulsepet rules for one region/account.
 *
 * - `ingest_telemetry`: every telemetry batch (plus `thing` = topic level 3) → ingest function.
 * - `reason_on_telemetry`: every telemetry batch (plus `thing`) → reasoning function.
 * - `reword_on_persona`: a change of the `config` shadow's desired persona → reasoning
 *   function, which words the pet's current state in the new persona at once.
 * - `presence_to_timestream`: lifecycle events → Timestream table `presence`, one record per attribute.
 * - `pet_state_to_timestream`: every new state the reasoning function writes to a `pet`
 *   shadow (its `desired` changed; the agent's `reported` echo is left out) → Timestream
 *   table `petStates`, one record per attribute: the history the display charts.
 */
export function pulsepetRules(env: RuleEnvironment): RuleDefinition[] {
  return [...telemetryRules(env), ...shadowRules(env), ...historyRules(env)];
}

/** The rule that hands every telemetry batch to the ingest function (its dead letters hold refused batches). */
export const INGEST_RULE_NAME = 'ingest_telemetry';

/** Every telemetry batch, to ingest and to reasoning. */
function telemetryRules(env: RuleEnvironment): RuleDefinition[] {
  return [
    {
      ruleName: INGEST_RULE_NAME,
      topicRulePayload: {
        sql: `SELECT *, topic(3) AS thing FROM ${TELEMETRY_FILTER}`,
        description: 'All telemetry batches to the ingest function (Timestream WriteRecords).',
        awsIotSqlVersion: AWS_IOT_SQL_VERSION,
        ruleDisabled: false,
        actions: [{ lambda: { functionArn: lambdaArn(env, FUNCTION_NAMES.ingest) } }],
        errorAction: errorAction(env),
      },
    },
    {
      // Every batch: the pet must also recover when a state ends, and the function's
      // deterministic path (no store query, no LLM, a shadow write only on change) is
      // cheap enough to run on all of them.
      ruleName: 'reason_on_telemetry',
      topicRulePayload: {
        sql: `SELECT *, topic(3) AS thing FROM ${TELEMETRY_FILTER}`,
        description: 'Every telemetry batch to the reasoning function (models → pet shadow when the state changes).',
        awsIotSqlVersion: AWS_IOT_SQL_VERSION,
        ruleDisabled: false,
        actions: [{ lambda: { functionArn: lambdaArn(env, FUNCTION_NAMES.reasoning) } }],
        errorAction: errorAction(env),
      },
    },
  ];
}

/** Changes of a shadow that call for work: a new persona to re-word. */
function shadowRules(env: RuleEnvironment): RuleDefinition[] {
  return [
    {
      // documents carries previous and current state: only a changed desired persona
      // passes (a device reporting its config, or another field changing, does not).
      ruleName: 'reword_on_persona',
      topicRulePayload: {
        sql:
          "SELECT 'persona' AS kind, topic(3) AS thing, current.state.desired.persona AS persona FROM '$aws/things/+/shadow/name/config/update/documents' " +
          // (AND/OR with an Undefined operand is Undefined in IoT SQL, so the missing previous persona goes through CASE)
          'WHERE CASE isUndefined(previous.state.desired.persona) WHEN true THEN isUndefined(current.state.desired.persona) = false ' +
          'ELSE previous.state.desired.persona <> current.state.desired.persona END',
        description: "A changed persona in the config shadow to the reasoning function: the pet's state re-worded in that persona.",
        awsIotSqlVersion: AWS_IOT_SQL_VERSION,
        ruleDisabled: false,
        actions: [{ lambda: { functionArn: lambdaArn(env, FUNCTION_NAMES.reasoning) } }],
        errorAction: errorAction(env),
      },
    },
  ];
}

/** What the store keeps beside telemetry: presence and the pet states shown. */
function historyRules(env: RuleEnvironment): RuleDefinition[] {
  return [
    {
      ruleName: 'presence_to_timestream',
      topicRulePayload: {
        sql: "SELECT eventType, eventType = 'connected' AS connected, disconnectReason FROM '$aws/events/presence/+/+'",
        description: 'Connect/disconnect lifecycle events to Timestream (table presence).',
        awsIotSqlVersion: AWS_IOT_SQL_VERSION,
        ruleDisabled: false,
        actions: [
          {
            timestream: {
              roleArn: roleArn(env),
              databaseName: TIMESTREAM.database,
              tableName: TIMESTREAM.presenceTable,
              // Presence topics are $aws/events/presence/{kind}/{clientId}; client id = thing name.
              dimensions: [{ name: 'thing', value: substitution('topic(5)') }],
              timestamp: { value: substitution('timestamp'), unit: 'MILLISECONDS' },
            },
          },
        ],
        errorAction: errorAction(env),
      },
    },
    {
      ruleName: 'pet_state_to_timestream',
      topicRulePayload: {
        sql: `SELECT ${PET_STATE_MEASURES.map(([path, name]) => `current.state.desired.${path} AS ${name}`).join(', ')} FROM '${PET_DOCUMENTS_FILTER}' WHERE ${PET_DESIRED_CHANGED}`,
        description: "Each new pet state (mood, stress, energy, spoons, readiness) to Timestream (table petStates), the display's history.",
        awsIotSqlVersion: AWS_IOT_SQL_VERSION,
        ruleDisabled: false,
        actions: [
          {
            timestream: {
              roleArn: roleArn(env),
              databaseName: TIMESTREAM.database,
              tableName: TIMESTREAM.petStateTable,
              // $aws/things/{thing}/shadow/name/pet/update/documents; the time the state was
              // decided for (its data's time: a replayed backlog lands where it happened)
              dimensions: [{ name: 'thing', value: substitution('topic(3)') }],
              timestamp: { value: substitution('current.state.desired.updatedAt'), unit: 'MILLISECONDS' },
            },
          },
        ],
        errorAction: errorAction(env),
      },
    },
  ];
}

/** The `pet` shadow's documents topic for every thing. */
const PET_DOCUMENTS_FILTER = '$aws/things/+/shadow/name/pet/update/documents';
/** The pet-state fields kept in table petStates: [path under desired, measure name]. */
const PET_STATE_MEASURES = [
  ['mood', 'mood'],
  ['stress', 'stress'],
  ['stressLevel', 'stressLevel'],
  ['energy', 'energy'],
  ['spoons', 'spoons'],
  ['readiness.score', 'readiness'],
] as const;
/**
 * A write by the reasoning function (a new `updatedAt`), not the agent's `reported` echo
 * of one. CASE, not OR: a comparison with an Undefined operand (no previous state) is
 * Undefined, and so is an OR over it (iot-sql-operators.html).
 */
const PET_DESIRED_CHANGED =
  'CASE isUndefined(previous.state.desired.updatedAt) WHEN true THEN NOT isUndefined(current.state.desired.updatedAt) ELSE previous.state.desired.updatedAt <> current.state.desired.updatedAt END';
