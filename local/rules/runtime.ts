import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TopicRulePayload } from '../../cloud-rules/topic-rule-payload';
import type { RuleOutput } from '../../cloud-rules/sql/index';
import { DurableMap } from '../../common/journal';
import { type Logger, silentLogger } from '../../common/logger';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import type { BrokerBus } from '../ports';
import type { TimestreamWriter } from './actions';
import { type CompiledTopicRule, compileTopicRule } from './compile';
import { type DeadLetter, DeadLetterQueue } from './dead-letters';
import { REPLAY_CONCURRENCY, type ReplayResult, replayInTopicOrder } from './replay-order';
import { topicRuleError } from './errors';
import type { AsyncFailure, LambdaService } from '../lambda/index';
import { Inflight } from './inflight';
import { type ErrorActionMessage, type ExecutorDeps, executeRule, runErrorAction } from './executor';
import { lambdaDeadLetter, lambdaFailureEntry, replayLambdaLetter, RuleOriginSchema } from './lambda-action';

/** A rule to seed: a name and its TopicRulePayload (cloud-rules' RuleDefinition has this shape). */
export interface RuleDefinition {
  ruleName: string;
  topicRulePayload: TopicRulePayload;
}

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
  /** the Lambda service the lambda action invokes; the runtime becomes its failure destination */
  lambda: LambdaService;
  /** timestream action target; prefer `timestreamWriterFor(new TimestreamWriteClient({ endpoint: gateway }))` */
  timestream?: TimestreamWriter;
  /** rules seeded at start (pulsepet's come from cloud-rules, handed in by cli/); each is seeded once, see README */
  rules?: readonly RuleDefinition[];
  now?: () => number;
}

export type RulesRuntimeEventMap = {
  'rule-fired': [{ ruleName: string; topic: string; output: RuleOutput }];
  'action-failed': [{ ruleName: string; actionType: string; errorMessage: string }];
  'lambda-attempt': [{ functionName: string; ruleName: string; attempt: number; ok: boolean; error?: string }];
  'dead-letter': [DeadLetter];
  'error-action': [{ ruleName: string; message: ErrorActionMessage }];
};

export type { ReplayResult } from './replay-order';

/**
 * The local IoT rules engine: topic rules (persisted, managed through the
 * topic-rule API), evaluated for every matching publish on the broker bus, with
 * lambda / republish / timestream actions, errorAction, and a dead-letter queue.
 *
 * @example
 * const rules = await RulesRuntime.start({ bus: broker, dataDir, region, lambda, rules: pulsepetRules({ region, accountId }) });
 * iotService.addRoute(...topicRuleRoutes(rules));
 */
export class RulesRuntime extends EventEmitter<RulesRuntimeEventMap> {
  readonly region: string;
  readonly accountId: string;
  private readonly active = new Map<string, { compiled: CompiledTopicRule; off?: () => void }>();
  private readonly messages = new Inflight();
  private readonly deps: ExecutorDeps;
  private readonly log: Logger;
  private closed = false;
  private storesClosed = false;

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
    opts.lambda.onAttempt((inv, ok, error) =>
      this.emit('lambda-attempt', { functionName: inv.functionName, ruleName: inv.source, attempt: inv.attempts, ok, error }),
    );
    opts.lambda.setFailureDestination((f) => this.lambdaFailed(f));
    this.deps = {
      bus: opts.bus,
      lambda: opts.lambda,
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
      await rt.seed(opts.rules ?? []);
    } catch (e) {
      await rt.close();
      throw e;
    }
    return rt;
  }

  /**
   * Seeds definitions: a rule is created the first time it is seen; later it is
   * updated only if nobody changed it through the API since it was seeded, and a
   * seeded rule deleted through the API stays deleted. Seeded rules no longer defined
   * are retired ({@link retire}).
   */
  private async seed(defs: readonly RuleDefinition[]): Promise<void> {
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
    await this.retire(new Set(defs.map((d) => d.ruleName)));
  }

  /**
   * A seeded rule that is no longer defined goes too, unless it was changed through the
   * API since it was seeded (then it is the operator's rule now and stays).
   */
  private async retire(defined: ReadonlySet<string>): Promise<void> {
    for (const [name, mark] of [...this.seeded.entries()]) {
      if (defined.has(name)) continue;
      const stored = this.store.get(name);
      if (stored !== undefined && JSON.stringify(stored.topicRulePayload) === mark.payload) {
        this.log.info({ rule: name }, 'seeded rule no longer defined; removed');
        await this.deleteRule(name);
      }
      await this.seeded.delete(name);
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

  /** Dead letters, oldest first. */
  /** Whether a dead letter with this id is kept (its payloads are not read). */
  hasDeadLetter(id: string): boolean {
    return this.dlq.has(id);
  }

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
   * Letters of one topic (one device's telemetry) go in their order; different topics go
   * side by side, at most `concurrency` letters at once, so their writes and removals
   * share commits. A letter's payloads are read only when its turn comes. The result
   * lists ids in the order asked (oldest first without ids).
   */
  async replayDeadLetters(ids?: readonly string[], concurrency = REPLAY_CONCURRENCY): Promise<ReplayResult> {
    return replayInTopicOrder(this.dlq.topics(), ids, concurrency, (id) => this.replayOne(id));
  }

  /**
   * Replays one letter: null once it is delivered and removed; why it failed (the letter
   * is kept with one more attempt); undefined when there is no such letter (any more).
   */
  private async replayOne(id: string): Promise<string | null | undefined> {
    const d = this.dlq.get(id);
    if (d === undefined) return undefined;
    try {
      await this.redeliver(d);
      await this.dlq.remove(d.id);
      return null;
    } catch (e) {
      const errorMessage = e instanceof Error ? e.message : String(e);
      await this.dlq.update({ ...d, attempts: d.attempts + 1, errorMessage });
      return errorMessage;
    }
  }

  private async redeliver(d: DeadLetter): Promise<void> {
    const bytes = Buffer.from(d.base64ActionPayload, 'base64');
    if (d.actionType === 'lambda') {
      await replayLambdaLetter(this.opts.lambda, d);
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
    await this.opts.lambda.idle();
    await this.messages.idle();
  }

  /** Unsubscribes every rule and waits for the messages being evaluated; the stores stay open (see close()). */
  async stop(): Promise<void> {
    this.closed = true;
    for (const name of [...this.active.keys()]) this.deactivate(name);
    await this.messages.idle();
  }

  /**
   * Stops intake, then closes the stores. The Lambda service must be closed in between
   * (stop, close the Lambda service, close) when invocations are still queued, so they
   * can still be dead-lettered: nothing accepted is lost.
   */
  async close(): Promise<void> {
    if (this.storesClosed) return;
    await this.stop();
    this.storesClosed = true;
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
      // Before the acknowledgement: the rule's actions (a Lambda event queued durably)
      // are done when the device gets its PUBACK.
      entry.off = this.opts.bus.onPublish(
        compiled.query.topicFilter,
        async (msg) => {
          this.messages.begin();
          try {
            await executeRule(compiled, msg, this.deps);
          } finally {
            this.messages.end();
          }
        },
        { beforeAck: true },
      );
    }
    this.active.set(stored.ruleName, entry);
  }

  private deactivate(ruleName: string): void {
    this.active.get(ruleName)?.off?.();
    this.active.delete(ruleName);
  }

  /**
   * The Lambda service's failure destination: an invocation that failed for good is
   * dead-lettered and reported through its rule's errorAction (not when the failed
   * invocation was itself an errorAction's).
   */
  private async lambdaFailed(f: AsyncFailure): Promise<void> {
    const origin = RuleOriginSchema.parse(f.invocation.origin);
    const letter = await this.dlq.add(lambdaDeadLetter(f, origin));
    this.emit('dead-letter', letter);
    const rule = this.active.get(origin.ruleName)?.compiled;
    if (origin.errorAction || rule === undefined || this.closed) return;
    const raw = f.invocation.attachment ?? Buffer.alloc(0);
    const facts = { topic: origin.topic, clientId: origin.clientId, principal: origin.principal, raw };
    await runErrorAction(rule, facts, [lambdaFailureEntry(f)], this.deps);
  }
}

/** Starts the rules runtime (same as {@link RulesRuntime.start}; the name the contract uses). */
export function createRulesRuntime(opts: RulesRuntimeOptions): Promise<RulesRuntime> {
  return RulesRuntime.start(opts);
}
