/**
 * Runs one rule against one message: SQL, then every action, then the error
 * action with AWS's error-action message when any action failed.
 * https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import { evaluateStatement, type JsonValue, type MessageEnv, messageEnv, outputBytes, type RuleOutput } from '../../cloud-rules/sql/index';
import type { BrokerBus, PublishOrigin } from '../ports';
import type { LambdaService } from '../lambda/index';
import { buildTimestreamRequest, failedActionName, runRepublish, type TimestreamWriter } from './actions';
import type { CompiledAction, CompiledTopicRule } from './compile';
import type { DeadLetter, DeadLetterQueue } from './dead-letters';
import { invokeLambdaAction } from './lambda-action';

/** One entry of the error-action message's `failures[]`. */
export interface ActionFailure {
  failedAction: string;
  failedResource: string;
  errorMessage: string;
}

/** The message an errorAction receives (rule-error-handling, "Error action message format"). */
export interface ErrorActionMessage {
  ruleName: string;
  topic: string;
  cloudwatchTraceId: string;
  clientId?: string;
  base64OriginalPayload: string;
  failures: ActionFailure[];
}

export interface ExecutorDeps {
  bus: BrokerBus;
  lambda: LambdaService;
  dlq: DeadLetterQueue;
  timestream: TimestreamWriter | undefined;
  logger: Logger;
  accountId: string;
  now: () => number;
  emit: {
    fired(e: { ruleName: string; topic: string; output: RuleOutput }): void;
    actionFailed(e: { ruleName: string; actionType: string; errorMessage: string }): void;
    deadLetter(d: DeadLetter): void;
    errorAction(e: { ruleName: string; message: ErrorActionMessage }): void;
  };
}

/** The message facts the error path needs again later (lambda final failures). */
export interface MessageFacts {
  topic: string;
  clientId?: string;
  principal?: string;
  raw: Buffer;
}

/**
 * Local safety net against rule loops (a rule republishing onto a topic its own
 * FROM matches would otherwise spin the stack): payloads a rule republishes are
 * tagged with their hop count, and a message that has already gone through
 * {@link MAX_REPUBLISH_HOPS} republish actions does not trigger rules again.
 */
export const MAX_REPUBLISH_HOPS = 16;
const hops = new WeakMap<Buffer, number>();

class ActionError extends Error {
  constructor(
    message: string,
    readonly failedResource: string,
    readonly request?: unknown,
  ) {
    super(message);
  }
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Environment for templates and SQL: the rules engine's view of one message. */
export function envFor(rule: CompiledTopicRule, m: MessageFacts, deps: Pick<ExecutorDeps, 'accountId' | 'now'>): MessageEnv {
  return messageEnv(m.raw, {
    topic: m.topic,
    clientId: m.clientId,
    principal: m.principal,
    timestamp: deps.now(),
    accountId: deps.accountId,
    sqlVersion: rule.payload.awsIotSqlVersion,
  });
}

/**
 * Evaluates the rule for one published message and runs its actions. Never throws.
 * A message the rule cannot evaluate is reported like a failed action (see
 * {@link reportUnevaluated}), so nothing the broker acknowledged vanishes silently.
 */
export async function executeRule(
  rule: CompiledTopicRule,
  msg: { topic: string; payload: Buffer; origin: PublishOrigin },
  deps: ExecutorDeps,
): Promise<void> {
  const facts: MessageFacts = { topic: msg.topic, clientId: msg.origin.clientId, principal: msg.origin.principal, raw: msg.payload };
  // bindings on each line rather than a child logger per message (pino's child() rebuilds its redaction per call)
  const at = { rule: rule.ruleName, topic: msg.topic };
  const hop = hops.get(msg.payload) ?? 0;
  if (hop >= MAX_REPUBLISH_HOPS) {
    deps.logger.warn({ ...at, hops: hop }, 'message already republished by rules too many times; not evaluated (rule loop?)');
    return;
  }
  let env: MessageEnv;
  let out: RuleOutput | undefined;
  try {
    env = envFor(rule, facts, deps);
    out = evaluateStatement(rule.query.statement, env);
  } catch (e) {
    await reportUnevaluated(rule, e, facts, deps);
    return;
  }
  if (out === undefined) return;
  try {
    deps.emit.fired({ ruleName: rule.ruleName, topic: msg.topic, output: out });
    const failures: ActionFailure[] = [];
    for (const a of rule.actions) {
      try {
        await runAction(rule, a, out, env, facts, deps, false);
      } catch (e) {
        const failure = await recordFailure(rule, a, e, out, facts, deps, 1);
        failures.push(failure);
      }
    }
    if (failures.length > 0) await runErrorAction(rule, facts, failures, deps);
  } catch (e) {
    deps.logger.error({ ...at, err: e }, 'rule execution failed');
  }
}

/** The resource an action names in its definition (its templates unrendered). */
function definedResource(a: CompiledAction): string {
  return a.action.lambda?.functionArn ?? a.action.republish?.topic ?? a.action.timestream?.tableName ?? a.type;
}

/**
 * A message the rule's query cannot evaluate (a payload nested past the SQL engine's
 * MAX_PAYLOAD_DEPTH, say) reaches none of the rule's actions: each is dead-lettered
 * (attempts 0, no action payload: there is no query result to replay) and the
 * errorAction gets one error-action message with a `failures[]` entry per action
 * (rule-error-handling, "Error action message format":
 * https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html).
 * AWS logs SQL problems rather than raising the error action (same page, note); the
 * local runtime reports them too, since an acknowledged message must reach the
 * store or the error channel. Never throws.
 */
async function reportUnevaluated(rule: CompiledTopicRule, e: unknown, facts: MessageFacts, deps: ExecutorDeps): Promise<void> {
  const reason = `The rule's query could not be evaluated: ${messageOf(e)}`;
  deps.logger.warn({ rule: rule.ruleName, topic: facts.topic, err: e }, 'rule could not evaluate the message; reporting it through the error action');
  // A rule without actions loses nothing: the log line is the whole report.
  if (rule.actions.length === 0) return;
  try {
    const failures: ActionFailure[] = [];
    for (const a of rule.actions) {
      failures.push(await recordFailure(rule, a, new ActionError(reason, definedResource(a)), undefined, facts, deps, 0));
    }
    await runErrorAction(rule, facts, failures, deps);
  } catch (err) {
    deps.logger.error({ rule: rule.ruleName, topic: facts.topic, err }, 'could not report a message the rule could not evaluate');
  }
}

async function runAction(
  rule: CompiledTopicRule,
  a: CompiledAction,
  out: RuleOutput,
  env: MessageEnv,
  facts: MessageFacts,
  deps: ExecutorDeps,
  isErrorAction: boolean,
): Promise<void> {
  switch (a.type) {
    case 'republish': {
      const target = a.action.republish?.topic ?? '';
      try {
        const bytes = outputBytes(out);
        hops.set(bytes, (hops.get(facts.raw) ?? 0) + 1);
        await runRepublish(deps.bus, a, bytes, env);
      } catch (e) {
        // The resolved topic when the template rendered, so a dead letter can be replayed as is.
        const resolved = e instanceof PulsepetError && typeof e.details?.resource === 'string' ? e.details.resource : target;
        throw new ActionError(messageOf(e), resolved);
      }
      return;
    }
    case 'timestream': {
      const table = a.action.timestream?.tableName ?? '';
      if (deps.timestream === undefined) throw new ActionError('no Timestream endpoint is configured for the local rules runtime', table);
      let req: ReturnType<typeof buildTimestreamRequest>;
      try {
        req = buildTimestreamRequest(a, out, env, deps.now());
      } catch (e) {
        throw new ActionError(messageOf(e), table);
      }
      try {
        await deps.timestream(req);
      } catch (e) {
        throw new ActionError(`Failed to write records to Timestream table ${req.DatabaseName}.${req.TableName}: ${messageOf(e)}`, `${req.TableName}`, req);
      }
      return;
    }
    case 'lambda': {
      const arn = a.templates.get('functionArn')?.render(env) ?? '';
      const origin = {
        ruleName: rule.ruleName,
        topic: facts.topic,
        ...(facts.clientId === undefined ? {} : { clientId: facts.clientId }),
        ...(facts.principal === undefined ? {} : { principal: facts.principal }),
        action: a.action as Record<string, unknown>,
        errorAction: isErrorAction,
      };
      try {
        await invokeLambdaAction(deps.lambda, arn, out, origin, facts.raw);
      } catch (e) {
        throw new ActionError(messageOf(e), arn);
      }
      return;
    }
    default:
      throw new ActionError(`the ${a.type} action is not supported by the local rules runtime`, a.type);
  }
}

async function recordFailure(
  rule: CompiledTopicRule,
  a: CompiledAction,
  e: unknown,
  out: RuleOutput | undefined,
  facts: MessageFacts,
  deps: ExecutorDeps,
  attempts: number,
): Promise<ActionFailure> {
  const failure: ActionFailure = {
    failedAction: failedActionName(a.type),
    failedResource: e instanceof ActionError ? e.failedResource : '',
    // AWS: "<reason>. Message arrived on: <topic>, Action: <type>" (one period, whatever the reason ends with)
    errorMessage: `${messageOf(e).replace(/\.+$/, '')}. Message arrived on: ${facts.topic}, Action: ${a.type}`,
  };
  deps.emit.actionFailed({ ruleName: rule.ruleName, actionType: a.type, errorMessage: failure.errorMessage });
  deps.logger.warn({ rule: rule.ruleName, topic: facts.topic, action: a.type, error: failure.errorMessage }, 'rule action failed');
  try {
    const letter = await deps.dlq.add(
      {
        ruleName: rule.ruleName,
        actionType: a.type,
        action: a.action as Record<string, unknown>,
        failedResource: failure.failedResource,
        topic: facts.topic,
        clientId: facts.clientId,
        base64OriginalPayload: facts.raw.toString('base64'),
        base64ActionPayload: out === undefined ? '' : outputBytes(out).toString('base64'),
        request: e instanceof ActionError ? e.request : undefined,
        attempts,
        errorMessage: failure.errorMessage,
      },
      deps.now(),
    );
    deps.emit.deadLetter(letter);
  } catch (dlqErr) {
    // The dead-letter queue is full or failing: the failure still reaches the errorAction.
    deps.logger.error({ err: dlqErr, rule: rule.ruleName, topic: facts.topic, action: a.type }, 'failed rule action not dead-lettered');
  }
  return failure;
}

/** Sends AWS's error-action message through the rule's errorAction (one message per rule and message). */
export async function runErrorAction(rule: CompiledTopicRule, facts: MessageFacts, failures: ActionFailure[], deps: ExecutorDeps): Promise<void> {
  const message: ErrorActionMessage = {
    ruleName: rule.ruleName,
    topic: facts.topic,
    cloudwatchTraceId: randomUUID(),
    ...(facts.clientId === undefined ? {} : { clientId: facts.clientId }),
    base64OriginalPayload: facts.raw.toString('base64'),
    failures,
  };
  deps.emit.errorAction({ ruleName: rule.ruleName, message });
  const ea = rule.errorAction;
  if (ea === undefined) return;
  const out: RuleOutput = { kind: 'json', value: message as unknown as JsonValue };
  try {
    // Templates in the error action see the original message (rule-error-handling example uses topic()).
    await runAction(rule, ea, out, envFor(rule, facts, deps), facts, deps, true);
  } catch (e) {
    // An error action that fails is dead-lettered and logged, never reported again (no loops).
    deps.logger.error({ rule: rule.ruleName, err: e }, 'error action failed');
    await recordFailure(rule, ea, e, out, facts, deps, 1).catch((err: unknown) =>
      deps.logger.error({ err, rule: rule.ruleName }, 'could not dead-letter a failed error action'),
    );
  }
}
