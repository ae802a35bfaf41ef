/**
 * The Device Shadow service bound to the broker. It answers requests published
 * on the reserved topics and exposes the same operations to the HTTP data plane,
 * so that an update over either path publishes the same accepted/delta/documents.
 *
 * Topics: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html
 * REST:   https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-rest-api.html
 */
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import { parseShadowTopic, type ShadowOp, shadowTopic, THING_NAME_RE } from '../../protocol/topics';
import type { BrokerBus, PublishOrigin } from '../ports';
import { DEFAULT_REQUEST_LIMITS, InFlight, RateLimiter, type RequestLimits } from './request-limits';
import {
  applyUpdate,
  clientTokenOf,
  DEFAULT_SHADOW_LIMITS,
  decodePayload,
  deleteDocument,
  getDocument,
  type JsonObject,
  MAX_DOCUMENT_BYTES_CEILING,
  notFound,
  parseSimpleRequest,
  type Rejected,
  rejectionDocument,
  type ShadowLimits,
  type ShadowRejection,
  type UpdateSuccess,
} from './shadow-document';
import type { ShadowStore } from './shadow-store';

/** Named shadow names: https://docs.aws.amazon.com/iot/latest/developerguide/iot-device-shadows.html */
export const SHADOW_NAME_RE = /^[a-zA-Z0-9:_-]{1,64}$/;

/** All shadow quotas, AWS defaults unless overridden. */
export type ShadowServiceLimits = ShadowLimits & RequestLimits;

/**
 * The bus the service answers on. When it can tell that nobody would receive a
 * topic (the local broker's `hasSubscribers`), responses nobody can see are not
 * built or published, which is all a subscriber-less publish amounts to on IoT Core.
 */
export type ShadowBus = BrokerBus & { hasSubscribers?(topic: string): boolean };

/** Dependencies and quotas of a {@link ShadowService}. */
export interface ShadowServiceOptions {
  bus: ShadowBus;
  store: ShadowStore;
  logger: Logger;
  limits?: Partial<ShadowServiceLimits>;
  /** clock in epoch ms; injectable for rate-limit tests */
  now?: () => number;
}

/** Outcome of one operation: the response body or an AWS rejection. */
export type ShadowOpResult = { ok: true; body: JsonObject } | Rejected;

/** An update's result whose body (its accepted document) is built on first read. */
class AcceptedResponse {
  readonly ok = true;
  constructor(private readonly update: UpdateSuccess) {}
  get body(): JsonObject {
    return this.update.accepted;
  }
}

/** What an update publishes besides its accepted document (built on first read). */
interface ResponseExtras {
  delta?: JsonObject;
  documents?: () => JsonObject;
}

/** Who is asking: the in-flight quota is per connection (MQTT client id). */
export interface ShadowCaller {
  /** connection key for the in-flight quota; defaults to the thing name */
  connection?: string;
  /** 'mqtt' answers on the reserved topics (incl. rejections); 'http' only returns */
  via: 'mqtt' | 'http';
}

/** ListNamedShadowsForThing's answer. */
export interface ListNamedShadowsResult {
  results: string[];
  nextToken?: string;
  timestamp: number;
}

const RESPONSE_QOS = 1;

/** Request topics (device-shadow-mqtt): classic and named shadow get, update, delete. */
const REQUEST_FILTERS = (['get', 'update', 'delete'] as const).flatMap((op) => [
  `$aws/things/+/shadow/${op}`,
  `$aws/things/+/shadow/name/+/${op}`,
]);

const LimitsSchema = z.object({
  maxDocumentBytes: z.number().int().min(1).max(MAX_DOCUMENT_BYTES_CEILING),
  maxDepth: z.number().int().min(1),
  requestsPerSecondPerThing: z.number().min(0),
  maxInFlight: z.number().int().min(0),
});

/** Validates and merges limit overrides; the document size may be raised to 30 KB at most. */
export function resolveLimits(overrides: Partial<ShadowServiceLimits> = {}): ShadowServiceLimits {
  const l = { ...DEFAULT_SHADOW_LIMITS, ...DEFAULT_REQUEST_LIMITS, ...overrides };
  const r = LimitsSchema.safeParse(l);
  if (!r.success) throw new PulsepetError('PP_ERR_CONFIG', `invalid shadow limits: ${z.prettifyError(r.error)}`);
  return Object.freeze(r.data);
}

/**
 * @example
 * const svc = new ShadowService({ bus, store: ShadowStore.open(dir), logger });
 * svc.start(); // now answers $aws/things/+/shadow/# requests
 * const r = await svc.update('pet-1', 'pet', '{"state":{"desired":{"mood":"calm"}}}', { via: 'http' });
 */
export class ShadowService {
  readonly limits: ShadowServiceLimits;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly rate: RateLimiter;
  private readonly inFlight: InFlight;
  private unsubscribe: (() => void) | undefined;
  private readonly counters = new Map<string, number>();
  /** raw payload excerpts of rejected requests, for the warn log only */
  private readonly rawOf = new WeakMap<object, string>();
  /** response topics per thing and shadow name (see {@link responseTopic}) */
  private topics = new Map<string, Map<string, Map<string, string>>>();

  constructor(private readonly opts: ShadowServiceOptions) {
    this.limits = resolveLimits(opts.limits);
    this.log = opts.logger.child({ component: 'shadow' });
    this.now = opts.now ?? Date.now;
    this.rate = new RateLimiter(this.limits.requestsPerSecondPerThing, this.now);
    this.inFlight = new InFlight(this.limits.maxInFlight);
  }

  /** Starts answering requests on the classic and named shadows' get/update/delete topics. */
  start(): void {
    if (this.unsubscribe) return;
    // One filter per request topic rather than `$aws/things/+/shadow/#`: the
    // accepted/delta/documents this service publishes (three per update) then match
    // none of its subscriptions and are not handed back to it.
    const offs = REQUEST_FILTERS.map((f) => this.opts.bus.onPublish(f, (msg) => this.onRequest(msg.topic, msg.payload, msg.origin)));
    this.unsubscribe = () => {
      for (const off of offs) off();
    };
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** UpdateThingShadow / `update`: merges, persists, then publishes accepted, delta, documents. */
  update(thing: string, name: string | undefined, payload: Buffer | string, caller: ShadowCaller): Promise<ShadowOpResult> {
    return this.run('update', thing, name, payload, caller);
  }

  /** GetThingShadow / `get`. */
  get(thing: string, name: string | undefined, payload: Buffer | string, caller: ShadowCaller): Promise<ShadowOpResult> {
    return this.run('get', thing, name, payload, caller);
  }

  /** DeleteThingShadow / `delete`: keeps the version for a later re-creation. */
  delete(thing: string, name: string | undefined, payload: Buffer | string, caller: ShadowCaller): Promise<ShadowOpResult> {
    return this.run('delete', thing, name, payload, caller);
  }

  /** ListNamedShadowsForThing: names sorted, paged with an opaque token. */
  listNamedShadows(thing: string, page: { pageSize?: number; nextToken?: string } = {}): ListNamedShadowsResult {
    const all = this.opts.store.namedShadows(thing);
    let start = 0;
    if (page.nextToken !== undefined) {
      const after = Buffer.from(page.nextToken, 'base64url').toString('utf8');
      start = all.findIndex((n) => n > after);
      if (start < 0) start = all.length;
    }
    const size = page.pageSize ?? all.length;
    const results = all.slice(start, start + size);
    const out: ListNamedShadowsResult = { results, timestamp: Math.floor(this.now() / 1000) };
    const last = results[results.length - 1];
    if (start + size < all.length && last !== undefined) out.nextToken = Buffer.from(last, 'utf8').toString('base64url');
    return out;
  }

  private onRequest(topic: string, payload: Buffer, origin: PublishOrigin): void {
    // Cheap pre-filter: most traffic here is our own accepted/delta/documents.
    if (!(topic.endsWith('/update') || topic.endsWith('/get') || topic.endsWith('/delete'))) return;
    const t = parseShadowTopic(topic);
    // Responses we publish ourselves (accepted/rejected/delta/documents) are not requests.
    if (!t || t.suffix !== undefined) return;
    const connection = origin.clientId ?? `cloud:${t.thing}`;
    this.run(t.op, t.thing, t.name, payload, { via: 'mqtt', connection }).catch((e: unknown) => {
      this.log.error({ err: e, topic }, 'shadow request failed');
    });
  }

  private async run(
    op: ShadowOp,
    thing: string,
    name: string | undefined,
    payload: Buffer | string,
    caller: ShadowCaller,
  ): Promise<ShadowOpResult> {
    const connection = caller.connection ?? thing;
    if (!THING_NAME_RE.test(thing) || (name !== undefined && !SHADOW_NAME_RE.test(name))) {
      return this.answer(op, thing, name, caller, { ok: false, code: 400, message: 'Invalid thing or shadow name' });
    }
    if (!this.rate.tryAcquire(thing)) {
      return this.answer(op, thing, name, caller, { ok: false, code: 429, message: 'Rate exceeded', ...tokenOf(payload) });
    }
    if (!this.inFlight.tryEnter(connection)) {
      return this.answer(op, thing, name, caller, {
        ok: false,
        code: 429,
        message: `Too many in-flight requests (maximum ${this.limits.maxInFlight})`,
        ...tokenOf(payload),
      });
    }
    try {
      const result = await this.execute(op, thing, name, payload);
      return await this.answer(op, thing, name, caller, result.response, result.extra);
    } catch (e) {
      this.log.error({ err: e, thing, shadow: name, op }, 'shadow operation failed');
      return this.answer(op, thing, name, caller, { ok: false, code: 500, message: 'Internal service failure' });
    } finally {
      this.inFlight.leave(connection);
    }
  }

  private async execute(
    op: ShadowOp,
    thing: string,
    name: string | undefined,
    payload: Buffer | string,
  ): Promise<{ response: ShadowOpResult; extra?: ResponseExtras }> {
    const decoded = decodePayload(payload);
    if (!decoded.ok) return { response: this.withRaw(decoded, payload) };
    const store = this.opts.store;
    const nowMs = this.now();
    if (op === 'update') {
      // Read, merge and write happen in one synchronous step so concurrent updates
      // to the same shadow are serialized; the answer waits until the store holds
      // the update as its fsync policy says (DEFAULT_SHADOW_FSYNC: written, fsync'd within 1 s).
      const r = applyUpdate(store.get(thing, name), decoded.value, nowMs, {
        limits: this.limits,
        baseVersion: store.baseVersion(thing, name, nowMs),
      });
      if (!r.ok) return { response: this.withRaw(r, payload) };
      await store.put(thing, name, r.next);
      // accepted and documents are built on first read: only for an HTTP caller or a subscriber
      const extra: ResponseExtras = { documents: () => r.documents };
      if (r.delta) extra.delta = r.delta;
      return { response: new AcceptedResponse(r), extra };
    }
    const req = parseSimpleRequest(decoded.value);
    if (!req.ok) return { response: this.withRaw(req, payload) };
    const current = store.get(thing, name);
    if (!current) return { response: notFound(thing, name, req.clientToken) };
    if (op === 'get') return { response: { ok: true, body: getDocument(current, nowMs, req.clientToken) } };
    await store.remove(thing, name, current.version, nowMs);
    return { response: { ok: true, body: deleteDocument(current.version, nowMs, req.clientToken) } };
  }

  /**
   * Publishes the outcome. MQTT callers get accepted or rejected; update and delete
   * publish their accepted documents for HTTP callers too (AWS does, so devices see
   * cloud-side changes), but HTTP errors are only returned, never published
   * (device-shadow-error-messages).
   */
  private async answer(
    op: ShadowOp,
    thing: string,
    name: string | undefined,
    caller: ShadowCaller,
    result: ShadowOpResult,
    extra: ResponseExtras = {},
  ): Promise<ShadowOpResult> {
    if (!result.ok) {
      this.count(`rejected.${result.code}`);
      this.logRejection(op, thing, name, caller, result);
      if (caller.via === 'mqtt' && THING_NAME_RE.test(thing)) {
        const rej: ShadowRejection = { code: result.code, message: result.message };
        if (result.clientToken !== undefined) rej.clientToken = result.clientToken;
        const topic = this.responseTopic(thing, name, op, 'rejected');
        if (this.wanted(topic)) await this.publish(topic, rejectionDocument(rej, this.now()));
      }
      return result;
    }
    this.count(`accepted.${op}`);
    // Issued back to back in AWS's order (accepted, delta, documents); the broker
    // routes them in call order, so there is no need to wait for each in turn.
    // A body is read (and so built) only when its topic has a subscriber.
    const sends: Array<Promise<void>> = [];
    const send = (topic: string, body: () => JsonObject) => {
      if (this.wanted(topic)) sends.push(this.publish(topic, body()));
    };
    if (caller.via === 'mqtt' || op !== 'get') send(this.responseTopic(thing, name, op, 'accepted'), () => result.body);
    const { delta, documents } = extra;
    if (delta) send(this.responseTopic(thing, name, 'update', 'delta'), () => delta);
    if (documents) send(this.responseTopic(thing, name, 'update', 'documents'), documents);
    if (sends.length === 1) await sends[0];
    else if (sends.length > 1) await Promise.all(sends);
    return result;
  }

  /**
   * The response topic, built once per shadow: a long-lived string keeps its hash,
   * so the broker's per-message lookups by topic (subscribers, iot:Receive
   * decisions, routing) do not rehash a fresh string for every response.
   */
  private responseTopic(thing: string, name: string | undefined, op: ShadowOp, suffix: 'accepted' | 'rejected' | 'delta' | 'documents'): string {
    let byName = this.topics.get(thing);
    if (!byName) {
      // bounded: a fleet larger than this just rebuilds strings now and then
      if (this.topics.size >= 20_000) this.topics = new Map();
      byName = new Map();
      this.topics.set(thing, byName);
    }
    const shadowKey = name ?? '';
    let bySuffix = byName.get(shadowKey);
    if (!bySuffix) {
      bySuffix = new Map();
      byName.set(shadowKey, bySuffix);
    }
    const key = op === 'update' ? suffix : `${op}/${suffix}`;
    let topic = bySuffix.get(key);
    if (topic === undefined) {
      topic = shadowTopic(thing, name, op, suffix);
      bySuffix.set(key, topic);
    }
    return topic;
  }

  /** False when the bus knows nobody (device, session or rule) would receive `topic`. */
  private wanted(topic: string): boolean {
    return this.opts.bus.hasSubscribers?.(topic) ?? true;
  }

  private withRaw(r: Rejected, payload: Buffer | string): Rejected {
    const text = typeof payload === 'string' ? payload : payload.subarray(0, 512).toString('utf8');
    this.rawOf.set(r, text.slice(0, 512));
    return r;
  }

  /** Counters of accepted operations and rejections by code (`accepted.update`, `rejected.409`, ...). */
  stats(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  private count(key: string): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  /**
   * Malformed requests (400/413/415) are logged with their raw payload (truncated)
   * at warn; the normal-flow rejections (404, 409, 429) only at debug.
   */
  private logRejection(op: ShadowOp, thing: string, name: string | undefined, caller: ShadowCaller, r: Rejected): void {
    // 404/409/429 can come thousands a second from a misbehaving fleet: build nothing unless logged
    if (r.code < 500 && r.code !== 400 && r.code !== 413 && r.code !== 415 && !this.log.isLevelEnabled('debug')) return;
    const fields = { thing, shadow: name, op, via: caller.via, code: r.code, reason: r.message, correlationId: r.clientToken };
    if (r.code === 400 || r.code === 413 || r.code === 415) {
      const raw = this.rawOf.get(r);
      this.log.warn({ ...fields, payload: raw }, 'shadow request rejected');
    } else if (r.code >= 500) this.log.error(fields, 'shadow request failed');
    else this.log.debug(fields, 'shadow request rejected');
  }

  private async publish(topic: string, body: JsonObject): Promise<void> {
    try {
      await this.opts.bus.publish(topic, JSON.stringify(body), { qos: RESPONSE_QOS });
    } catch (e) {
      this.log.warn({ err: e, topic }, 'shadow response publish failed');
    }
  }
}

function tokenOf(payload: Buffer | string): { clientToken?: string } {
  const d = decodePayload(payload);
  const t = d.ok ? clientTokenOf(d.value) : undefined;
  return t === undefined ? {} : { clientToken: t };
}
