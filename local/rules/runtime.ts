import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pulsepetRules, type RuleDefinition, type TopicRulePayload } from '../../cloud-rules/rules';
import type { RuleOutput } from '../../cloud-rules/sql/index';
import { DurableMap } from '../../common/journal';
import { type Logger, silentLogger } from '../../common/logger';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import type { BrokerBus } from '../ports';
import type { TimestreamWriter } from './actions';
import { type CompiledTopicRule, compileTopicRule } from './compile';
import { type DeadLetter, DeadLetterQueue } from './dead-letters';
import { topicRuleError } from './errors';
import { type ErrorActionMessage, type ExecutorDeps, executeRule, runErrorAction } from './executor';
import { DEFAULT_RETRY_DELAYS_MS, Inflight, LambdaInvoker, type LambdaJob, type LambdaTarget } from './lambda-invoker';

/** How long close() waits for Lambda attempts that are already running. */
const CLOSE_GRACE_MS = 5000;

/** A topic rule as stored (and returned by GetTopicRule). */
export interface StoredRule {
  ruleName: string;
  ruleArn: string;
  /** epoch ms */
  createdAt: number;
  topicRulePayload: TopicRulePayload;
}

export interface RulesRuntimeOptions {
  bus: BrokerBus;
  /** rules and the dead-letter queue live in `{dataDir}/rules` */
  dataDir: string;
  region: string;
  accountId?: string;
  logger?: Logger;
  /** Lambda targets by function name (the last part of the action's functionArn) */
  functions?: Map<string, LambdaTarget>;
  /** timestream action target; prefer `timestreamWriterFor(new TimestreamWriteClient({ endpoint: gateway }))` */
  timestream?: TimestreamWriter;
  /** rules loaded at start (default: cloud-rules' pulsepetRules); each is seeded once, see README */
  rules?: RuleDefinition[];
  /** waits before Lambda's two async retries (default 1 s, 2 s) */
  lambdaRetryDelaysMs?: readonly number[];
  /** how long close() lets running Lambda invocations finish before dead-lettering them (default 5 s) */
  closeGraceMs?: number;
  now?: () => number;
}

export type RulesRuntimeEventMap = {
  'rule-fired': [{ ruleName: string; topic: string; output: RuleOutput }];
  'action-failed': [{ ruleName: string; actionType: string; errorMessage: string }];
  'lambda-attempt': [{ functionName: string; ruleName: string; attempt: number; ok: boolean; error?: string }];
  'dead-letter': [DeadLetter];
  'error-action': [{ ruleName: string; message: ErrorActionMessage }];
};

export interface ReplayResult {
  replayed: string[];
  failed: Array<{ id: string; errorMessage: string }>;
}

/**
 * The local IoT rules engine: topic rules (persisted, managed through the
 * topic-rule API), evaluated for every matching publish on the broker bus, with
 * lambda / republish / timestream actions, errorAction, and a dead-letter queue.
 *
 * @example
 * const rules = await RulesRuntime.start({ bus: broker, dataDir, region, functions: new Map([['pulsepet-ingest', ingest]]) });
 * iotService.addRoute(...topicRuleRoutes(rules));
 */
export class RulesRuntime extends EventEmitter<RulesRuntimeEventMap> {
  readonly region: string;
  readonly accountId: string;
  private readonly active = new Map<string, { compiled: CompiledTopicRule; off?: () => void }>();
  private readonly messages = new Inflight();
  private readonly lambdas = new Inflight();
  private readonly invoker: LambdaInvoker;
  private readonly deps: ExecutorDeps;
  private readonly log: Logger;
  private closed = false;

  private constructor(
    private readonly opts: RulesRuntimeOptions,
    private readonly store: DurableMap<StoredRule>,
    private readonly seeded: DurableMap<{ payload: string }>,
    private readonly dlq: DeadLetterQueue,
  ) {
    super();
    this.region = opts.region;
    this.accountId = opts.accountId ?? LOCAL_ACCOUNT_ID;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'rules-runtime' });
    const now = opts.now ?? Date.now;
    this.invoker = new LambdaInvoker({
      delaysMs: opts.lambdaRetryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      logger: this.log,
      inflight: this.lambdas,
      onAttempt: (job, ok, error) =>
        this.emit('lambda-attempt', { functionName: job.functionName, ruleName: job.ruleName, attempt: job.attempts, ok, error }),
      onFinalFailure: (job, error) => this.lambdaFailed(job, error),
    });
    for (const [name, h] of opts.functions ?? []) this.invoker.register(name, h);
    this.deps = {
      bus: opts.bus,
      invoker: this.invoker,
      dlq,
      timestream: opts.timestream,
      logger: this.log,
      accountId: this.accountId,
      now,
      emit: {
        fired: (e) => this.emit('rule-fired', e),
        actionFailed: (e) => this.emit('action-failed', e),
        deadLetter: (d) => this.emit('dead-letter', d),
        errorAction: (e) => this.emit('error-action', e),
      },
    };
  }

  /** Opens the rule store and dead-letter queue, seeds the cloud-rules definitions, and subscribes every enabled rule. */
  static async start(opts: RulesRuntimeOptions): Promise<RulesRuntime> {
    const dir = join(opts.dataDir, 'rules');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const rt = new RulesRuntime(
      opts,
      DurableMap.open<StoredRule>(dir, 'topic-rules'),
      DurableMap.open<{ payload: string }>(dir, 'seeded-rules'),
      DeadLetterQueue.open(dir),
    );
    for (const stored of rt.store.values()) {
      try {
        rt.activate(stored);
      } catch (e) {
        rt.log.error({ err: e, rule: stored.ruleName }, 'stored rule no longer compiles; left inactive');
      }
    }
    try {
      await rt.seed(opts.rules ?? pulsepetRules({ region: opts.region, accountId: rt.accountId }));
    } catch (e) {
      await rt.close();
      throw e;
    }
    return rt;
  }

  /**
   * Seeds definitions: a rule is created the first time it is seen; later it is
   * updated only if nobody changed it through the API since it was seeded, and a
   * seeded rule deleted through the API stays deleted.
   */
  private async seed(defs: RuleDefinition[]): Promise<void> {
    for (const def of defs) {
      const payload = compileTopicRule(def.ruleName, def.topicRulePayload).payload;
      const text = JSON.stringify(payload);
      const mark = this.seeded.get(def.ruleName);
      const stored = this.store.get(def.ruleName);
      if (mark === undefined) {
        if (stored === undefined) await this.createRule(def.ruleName, payload);
      } else if (stored !== undefined && JSON.stringify(stored.topicRulePayload) === mark.payload && mark.payload !== text) {
        await this.replaceRule(def.ruleName, payload);
      } else if (mark.payload === text) continue;
      await this.seeded.set(def.ruleName, { payload: text });
    }
  }

  ruleArn(ruleName: string): string {
    return `arn:aws:iot:${this.region}:${this.accountId}:rule/${ruleName}`;
  }

  /** CreateTopicRule. */
  async createRule(ruleName: string, payload: unknown): Promise<StoredRule> {
    const compiled = compileTopicRule(ruleName, payload);
    if (this.store.has(ruleName)) throw topicRuleError('ResourceAlreadyExistsException', `Rule ${ruleName} already exists`);
    const stored: StoredRule = { ruleName, ruleArn: this.ruleArn(ruleName), createdAt: (this.opts.now ?? Date.now)(), topicRulePayload: compiled.payload };
    await this.store.set(ruleName, stored);
    this.activate(stored, compiled);
    return stored;
  }

  /** ReplaceTopicRule (keeps createdAt). */
  async replaceRule(ruleName: string, payload: unknown): Promise<StoredRule> {
    const existing = this.mustGet(ruleName);
    const compiled = compileTopicRule(ruleName, payload);
    const stored: StoredRule = { ...existing, topicRulePayload: compiled.payload };
    await this.store.set(ruleName, stored);
    this.activate(stored, compiled);
    return stored;
  }

  /** GetTopicRule. */
  getRule(ruleName: string): StoredRule {
    return this.mustGet(ruleName);
  }

  /** ListTopicRules (by name), optionally only rules on one topic pattern or with one disabled state. */
  listRules(filter: { topic?: string; ruleDisabled?: boolean } = {}): StoredRule[] {
    return [...this.store.values()]
      .filter((r) => filter.topic === undefined || this.active.get(r.ruleName)?.compiled.query.topicFilter === filter.topic)
      .filter((r) => filter.ruleDisabled === undefined || (r.topicRulePayload.ruleDisabled ?? false) === filter.ruleDisabled)
      .sort((a, b) => (a.ruleName < b.ruleName ? -1 : a.ruleName > b.ruleName ? 1 : 0));
  }

  /** The topic filter of a stored rule's FROM clause. */
  topicPatternOf(ruleName: string): string | undefined {
    return this.active.get(ruleName)?.compiled.query.topicFilter;
  }

  /** DeleteTopicRule. */
  async deleteRule(ruleName: string): Promise<void> {
    this.mustGet(ruleName);
    this.deactivate(ruleName);
    await this.store.delete(ruleName);
  }

  /** EnableTopicRule / DisableTopicRule. */
  async setRuleEnabled(ruleName: string, enabled: boolean): Promise<void> {
    const existing = this.mustGet(ruleName);
    const stored: StoredRule = { ...existing, topicRulePayload: { ...existing.topicRulePayload, ruleDisabled: !enabled } };
    await this.store.set(ruleName, stored);
    this.activate(stored);
  }

  /** Registers (or replaces) the local handler for a Lambda function name. */
  registerFunction(functionName: string, handler: LambdaTarget): void {
    this.invoker.register(functionName, handler);
  }

  /** Dead letters, oldest first. */
  listDeadLetters(): DeadLetter[] {
    return this.dlq.list();
  }

  /** Drops a dead letter after an operator has dealt with it. */
  async discardDeadLetter(id: string): Promise<void> {
    await this.dlq.remove(id);
  }

  /**
   * Re-delivers dead letters (all, or the given ids) once each: lambda letters are
   * invoked with the stored event, republish letters published again, timestream
   * letters written again with the stored request. Delivered letters are removed.
   */
  async replayDeadLetters(ids?: string[]): Promise<ReplayResult> {
    const result: ReplayResult = { replayed: [], failed: [] };
    const letters = ids === undefined ? this.dlq.list() : ids.map((id) => this.dlq.get(id)).filter((d): d is DeadLetter => d !== undefined);
    for (const d of letters) {
      try {
        await this.redeliver(d);
        await this.dlq.remove(d.id);
        result.replayed.push(d.id);
      } catch (e) {
        const errorMessage = e instanceof Error ? e.message : String(e);
        await this.dlq.update({ ...d, attempts: d.attempts + 1, errorMessage });
        result.failed.push({ id: d.id, errorMessage });
      }
    }
    return result;
  }

  private async redeliver(d: DeadLetter): Promise<void> {
    const bytes = Buffer.from(d.base64ActionPayload, 'base64');
    if (d.actionType === 'lambda') {
      const name = d.failedResource.split(':function:')[1]?.split(':')[0] ?? d.failedResource;
      const job: LambdaJob = {
        functionName: name,
        functionArn: d.failedResource,
        eventJson: bytes.toString('utf8'),
        ruleName: d.ruleName,
        requestId: d.id,
        attempts: d.attempts,
        origin: { topic: d.topic, clientId: d.clientId, originalPayload: Buffer.from(d.base64OriginalPayload, 'base64'), action: d.action, errorAction: false },
      };
      await this.invoker.invokeOnce(job);
      return;
    }
    if (d.actionType === 'republish' && d.failedResource !== '' && !d.failedResource.includes('${')) {
      const qos = (d.action.republish as { qos?: 0 | 1 } | undefined)?.qos ?? 0;
      await this.opts.bus.publish(d.failedResource.replace(/^\$\$/, '$'), bytes, { qos });
      return;
    }
    if (d.actionType === 'timestream' && d.request !== undefined && this.opts.timestream) {
      await this.opts.timestream(d.request as Parameters<TimestreamWriter>[0]);
      return;
    }
    throw new Error(`dead letter ${d.id} (${d.actionType}) cannot be replayed: ${d.errorMessage}`);
  }

  /** Resolves when no message is being processed and no Lambda invocation is pending or retrying. */
  async idle(): Promise<void> {
    await this.messages.idle();
    await this.lambdas.idle();
    await this.messages.idle();
  }

  /** Unsubscribes every rule; invocations still waiting for a retry are dead-lettered (nothing accepted is lost). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const name of [...this.active.keys()]) this.deactivate(name);
    for (const job of this.invoker.close()) {
      await this.lambdaFailed(job, 'the rules runtime stopped before Lambda retried the invocation', false).catch((e: unknown) =>
        this.log.error({ err: e }, 'could not dead-letter a pending invocation'),
      );
    }
    await this.messages.idle();
    // Attempts that were already running get a bounded time to finish (and be dead-lettered if
    // they fail); those still running then are dead-lettered, so an accepted message is not lost.
    await Promise.race([this.lambdas.idle(), new Promise((r) => setTimeout(r, this.opts.closeGraceMs ?? CLOSE_GRACE_MS).unref())]);
    for (const job of this.invoker.abandonRunning()) {
      await this.lambdaFailed(job, 'the rules runtime stopped while the invocation was still running', false).catch((e: unknown) =>
        this.log.error({ err: e }, 'could not dead-letter a running invocation'),
      );
    }
    this.store.close();
    this.seeded.close();
    this.dlq.close();
  }

  private mustGet(ruleName: string): StoredRule {
    const r = this.store.get(ruleName);
    // IoT answers operations on a rule that does not exist with UnauthorizedException.
    if (r === undefined) throw topicRuleError('UnauthorizedException', `User is not authorized to access this resource (no rule named ${ruleName})`);
    return r;
  }

  private activate(stored: StoredRule, compiled = compileTopicRule(stored.ruleName, stored.topicRulePayload)): void {
    this.deactivate(stored.ruleName);
    const entry: { compiled: CompiledTopicRule; off?: () => void } = { compiled };
    if (!(stored.topicRulePayload.ruleDisabled ?? false) && !this.closed) {
      entry.off = this.opts.bus.onPublish(compiled.query.topicFilter, async (msg) => {
        this.messages.begin();
        try {
          await executeRule(compiled, msg, this.deps);
        } finally {
          this.messages.end();
        }
      });
    }
    this.active.set(stored.ruleName, entry);
  }

  private deactivate(ruleName: string): void {
    this.active.get(ruleName)?.off?.();
    this.active.delete(ruleName);
  }

  /** A Lambda invocation failed every attempt: dead-letter it and report it through the rule's errorAction. */
  private async lambdaFailed(job: LambdaJob, error: string, report = true): Promise<void> {
    const letter = await this.dlq.add({
      ruleName: job.ruleName,
      actionType: 'lambda',
      action: job.origin.action,
      failedResource: job.functionArn,
      topic: job.origin.topic,
      clientId: job.origin.clientId,
      base64OriginalPayload: job.origin.originalPayload.toString('base64'),
      base64ActionPayload: Buffer.from(job.eventJson).toString('base64'),
      attempts: job.attempts,
      errorMessage: error,
    });
    this.emit('dead-letter', letter);
    const rule = this.active.get(job.ruleName)?.compiled;
    if (!report || job.origin.errorAction || rule === undefined || this.closed) return;
    const facts = { topic: job.origin.topic, clientId: job.origin.clientId, principal: job.origin.principal, raw: job.origin.originalPayload };
    await runErrorAction(
      rule,
      facts,
      [{ failedAction: 'LambdaAction', failedResource: job.functionArn, errorMessage: `Function ${job.functionName} failed after ${job.attempts} attempts: ${error}` }],
      this.deps,
    );
  }
}

/** Starts the rules runtime (same as {@link RulesRuntime.start}; the name the contract uses). */
export function createRulesRuntime(opts: RulesRuntimeOptions): Promise<RulesRuntime> {
  return RulesRuntime.start(opts);
}
