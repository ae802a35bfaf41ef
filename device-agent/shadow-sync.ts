import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { Logger } from '../common/logger';
import { type AvatarRef, AvatarRefSchema } from '../protocol/avatar-ref';
import { type DeviceConfig, DeviceConfigSchema, type PetState, PetStateSchema } from '../protocol/shadows';
import { CONFIG_SHADOW, PET_SHADOW, parseShadowTopic, shadowTopic } from '../protocol/topics';
import { mergeShadowState } from '../protocol/shadow-merge';
import type { AvatarPort } from './avatar-sync';
import type { AgentMetrics } from './metrics';
import type { WatchOutput } from './watch-output';

// Response documents as AWS documents them:
// https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html#device-shadow-example-response-json
const StateDocSchema = z.object({
  state: z
    .object({
      desired: z.record(z.string(), z.unknown()).nullish(),
      reported: z.record(z.string(), z.unknown()).nullish(),
      delta: z.record(z.string(), z.unknown()).nullish(),
    })
    .passthrough()
    .optional(),
  version: z.number().int().optional(),
  clientToken: z.string().optional(),
});
const DeltaSchema = z.object({ state: z.record(z.string(), z.unknown()), version: z.number().int(), clientToken: z.string().optional() });
const ErrorDocSchema = z.object({ code: z.number().int(), message: z.string().optional(), clientToken: z.string().optional() });

type Doc = Record<string, unknown>;

interface ShadowState {
  /** highest shadow version seen on any response */
  version: number;
  desired: Doc;
  reported: Doc | undefined;
  synced: boolean;
}

export interface ShadowSyncOptions {
  thing: string;
  output: WatchOutput;
  /** applies a validated `config` desired state; returns the effective config to report */
  applyConfig: (desired: DeviceConfig) => DeviceConfig;
  /** the config currently in force, reported when the shadow does not exist yet */
  currentConfig: () => DeviceConfig;
  metrics: AgentMetrics;
  logger: Logger;
  /** wait before showing a pet state again after the watch output failed (default 5 s) */
  outputRetryMs?: number;
  /** wait (jittered ±50 %) before reading a shadow again after a request was throttled (429) or failed (5xx); default 1 s */
  rejectRetryMs?: number;
  /** the avatar downloads (`desired.avatar` → image → `reported.avatar.hash`); none: avatars are ignored */
  avatars?: AvatarPort;
}

type Publish = (topic: string, payload: Buffer) => Promise<void>;

/**
 * Keeps the `pet` and `config` named shadows in step over MQTT
 * (https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html).
 *
 * - On every (re)connect both shadows are fetched with `get`, so changes made while
 *   offline are not missed even if a delta was never delivered.
 * - `pet`: desired → the watch output → `reported` = what is shown.
 * - `config`: desired → applied → `reported` = the effective settings.
 * - Reports carry the version they were computed from; a 409 (version conflict)
 *   triggers a fresh `get` and a new reconciliation; a throttled (429) or failed (5xx)
 *   request the same after a jittered pause, so a report the cloud did not take is
 *   made again instead of being taken for done.
 * - A delta is processed when its version is ≥ the last seen one, not only > it:
 *   `update/accepted` and `update/delta` for one change carry the same version and
 *   may arrive in either order (aws-iot-device-sdk-embedded-C issue #32).
 */
export class ShadowSync {
  private readonly shadows = new Map<string, ShadowState>();
  private publish: Publish | undefined;
  private token = 0;
  private readonly log: Logger;
  private syncWaiters: Array<() => void> = [];
  private chain: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly outputRetryMs: number;
  private readonly rejectRetryMs: number;
  private readonly regetTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly opts: ShadowSyncOptions) {
    this.log = opts.logger.child({ component: 'shadow-sync', thing: opts.thing });
    this.outputRetryMs = opts.outputRetryMs ?? 5_000;
    this.rejectRetryMs = opts.rejectRetryMs ?? 1_000;
    for (const name of [PET_SHADOW, CONFIG_SHADOW]) {
      this.shadows.set(name, { version: 0, desired: {}, reported: undefined, synced: false });
    }
  }

  /** Topic filters to subscribe to before calling `onConnected`. */
  topics(): string[] {
    const t = this.opts.thing;
    return [PET_SHADOW, CONFIG_SHADOW].flatMap((n) => [
      shadowTopic(t, n, 'get', 'accepted'),
      shadowTopic(t, n, 'get', 'rejected'),
      shadowTopic(t, n, 'update', 'accepted'),
      shadowTopic(t, n, 'update', 'rejected'),
      shadowTopic(t, n, 'update', 'delta'),
    ]);
  }

  /** Call after the subscriptions are in place: requests both shadows. */
  async onConnected(publish: Publish): Promise<void> {
    this.publish = publish;
    for (const s of this.shadows.values()) s.synced = false;
    await Promise.all([this.requestGet(PET_SHADOW), this.requestGet(CONFIG_SHADOW)]);
  }

  onDisconnected(): void {
    this.publish = undefined;
  }

  /** True once both shadows have answered the last `get` and been reconciled. */
  isSynced(): boolean {
    return [...this.shadows.values()].every((s) => s.synced);
  }

  /** Resolves true when synced, false after `timeoutMs`. */
  waitSynced(timeoutMs: number): Promise<boolean> {
    if (this.isSynced()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Handles an inbound message; returns false when the topic is not ours. */
  handleMessage(topic: string, payload: Buffer): boolean {
    const p = parseShadowTopic(topic);
    if (!p || p.thing !== this.opts.thing || p.name === undefined) return false;
    const state = this.shadows.get(p.name);
    if (!state) return false;
    const name = p.name;
    // Serialize handling so a reconciliation finishes before the next message is applied.
    this.chain = this.chain
      .then(() => this.dispatch(name, state, `${p.op}/${p.suffix ?? ''}`, payload))
      .catch((err: unknown) => {
        this.opts.metrics.shadowErrors++;
        this.log.error({ err, topic }, 'shadow message handling failed');
      });
    return true;
  }

  private async dispatch(name: string, s: ShadowState, kind: string, payload: Buffer): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      this.opts.metrics.shadowErrors++;
      this.log.warn({ shadow: name, kind, raw: payload.toString('utf8').slice(0, 512) }, 'shadow message is not JSON');
      return;
    }
    if (kind === 'get/accepted' || kind === 'update/accepted') {
      const doc = StateDocSchema.safeParse(body);
      if (!doc.success) return this.refuse(name, kind, doc.error.message);
      const v = doc.data.version ?? s.version;
      if (v < s.version) return; // older than what we already know
      s.version = v;
      if (kind === 'get/accepted') {
        s.desired = { ...(doc.data.state?.desired ?? {}) };
        s.reported = { ...(doc.data.state?.reported ?? {}) };
      } else {
        if (doc.data.state?.desired) s.desired = mergeShadowState(s.desired, doc.data.state.desired);
        if (doc.data.state?.reported) s.reported = mergeShadowState(s.reported ?? {}, doc.data.state.reported);
        if (doc.data.clientToken?.startsWith(this.tokenPrefix())) this.opts.metrics.shadowUpdates++;
      }
      await this.reconcile(name, s, true);
      if (kind === 'get/accepted') this.markSynced(s);
      return;
    }
    if (kind === 'update/delta') {
      const d = DeltaSchema.safeParse(body);
      if (!d.success) return this.refuse(name, kind, d.error.message);
      if (d.data.version < s.version) return;
      s.version = d.data.version;
      s.desired = mergeShadowState(s.desired, d.data.state);
      await this.reconcile(name, s, true);
      return;
    }
    if (kind === 'get/rejected' || kind === 'update/rejected') {
      const e = ErrorDocSchema.safeParse(body);
      const code = e.success ? e.data.code : 0;
      if (kind === 'get/rejected' && code === 404) {
        // No shadow yet: nothing desired. For config, report what is in force so it exists.
        s.desired = {};
        s.reported = undefined;
        await this.reconcile(name, s);
        this.markSynced(s);
        return;
      }
      this.opts.metrics.shadowErrors++;
      this.log.warn({ shadow: name, kind, code, message: e.success ? e.data.message : undefined }, 'shadow request rejected');
      if (code === 409) await this.requestGet(name); // version conflict: re-read, then reconcile
      else if (code === 429 || code >= 500) this.getLater(name); // throttled or failing: the same, after a pause
      else if (kind === 'get/rejected') this.markSynced(s);
    }
  }

  /**
   * Brings one shadow's `reported` in line with its `desired`. `fromShadow`: called for a
   * shadow message (delta, get or update accepted), the only moments an avatar download
   * may start; a retry of the watch output or a finished download is not one.
   */
  private async reconcile(name: string, s: ShadowState, fromShadow = false): Promise<void> {
    if (name === PET_SHADOW) return this.reconcilePet(s, fromShadow);
    let effective: DeviceConfig;
    if (Object.keys(s.desired).length === 0) {
      effective = this.opts.currentConfig();
    } else {
      const cfg = DeviceConfigSchema.safeParse(s.desired);
      if (!cfg.success) return this.refuse(name, 'desired', cfg.error.message);
      effective = this.opts.applyConfig(cfg.data);
      this.log.info({ shadow: name, version: s.version, config: effective }, 'config applied');
    }
    if (s.reported !== undefined && isDeepStrictEqual(pick(s.reported, Object.keys(effective)), effective)) return;
    await this.report(name, s, effective, {});
  }

  /** A new avatar is in the store: show it with the pet state and report its hash. */
  avatarChanged(): void {
    const s = this.shadows.get(PET_SHADOW);
    if (!s) return;
    this.chain = this.chain.then(() => this.reconcilePet(s, false)).catch((err: unknown) => this.log.error({ err }, 'showing the new avatar failed'));
  }

  /**
   * `pet`: desired → the watch output → `reported` = what is shown. The avatar is what the
   * agent holds (reported as `avatar: { hash }`), not what desired names: a new
   * `desired.avatar` starts a download and is reported once the image is here.
   */
  private async reconcilePet(s: ShadowState, fromShadow: boolean): Promise<void> {
    if (Object.keys(s.desired).length === 0) return;
    const parsed = this.petOf(s.desired);
    if (!parsed) return;
    const { state, ref } = parsed;
    const avatars = this.opts.avatars;
    if (fromShadow && ref && avatars) avatars.want(ref);
    const avatar = avatars?.shown();
    const reported: Doc = avatar ? { ...state, avatar: { hash: avatar.hash } } : { ...state };
    if (s.reported !== undefined && isDeepStrictEqual(s.reported, reported)) return;
    try {
      await this.opts.output.show({ type: 'pet', version: s.version, state, ...(avatar ? { avatar: { ...avatar } } : {}) });
    } catch (err) {
      // The watch did not take it: nothing is reported (reported = what is shown); try again later.
      this.opts.metrics.shadowErrors++;
      this.log.warn({ err, shadow: PET_SHADOW, retryInMs: this.outputRetryMs }, 'watch output failed');
      this.retryLater(PET_SHADOW, s);
      return;
    }
    this.log.info({ shadow: PET_SHADOW, version: s.version, mood: state.mood, avatar: avatar?.hash }, 'pet state shown on the watch');
    await this.report(PET_SHADOW, s, reported, diffNulls(s.reported, reported));
  }

  /**
   * The pet state without its avatar reference, and the reference when it is valid: a bad
   * `desired.avatar` is refused (counted, logged) but the rest of the state is still shown.
   */
  private petOf(desired: Doc): { state: Omit<PetState, 'avatar'>; ref: AvatarRef | undefined } | undefined {
    const { avatar, ...rest } = desired;
    const pet = PetStateSchema.safeParse(rest);
    if (!pet.success) {
      this.refuse(PET_SHADOW, 'desired', pet.error.message);
      return undefined;
    }
    if (avatar === undefined) return { state: pet.data, ref: undefined };
    const ref = AvatarRefSchema.safeParse(avatar);
    if (!ref.success) this.refuse(PET_SHADOW, 'desired.avatar', ref.error.message);
    return { state: pet.data, ref: ref.success ? ref.data : undefined };
  }

  private async report(name: string, s: ShadowState, reported: object, nulls: Doc): Promise<void> {
    const publish = this.publish;
    if (!publish) return; // offline: the next connect's get reconciles again
    const clientToken = `${this.tokenPrefix()}${++this.token}`;
    const doc = { state: { reported: { ...nulls, ...reported } }, version: s.version, clientToken };
    s.reported = { ...reported };
    await publish(shadowTopic(this.opts.thing, name, 'update'), Buffer.from(JSON.stringify(doc)));
  }

  private async requestGet(name: string): Promise<void> {
    const publish = this.publish;
    if (!publish) return;
    const clientToken = `${this.tokenPrefix()}${++this.token}`;
    await publish(shadowTopic(this.opts.thing, name, 'get'), Buffer.from(JSON.stringify({ clientToken })));
  }

  private getLater(name: string): void {
    if (this.regetTimers.has(name)) return;
    const delay = Math.round(this.rejectRetryMs * (0.5 + Math.random()));
    const t = setTimeout(() => {
      this.regetTimers.delete(name);
      this.requestGet(name).catch((err: unknown) => this.log.warn({ err, shadow: name }, 'shadow get after a rejection failed; the next connect reads it again'));
    }, delay);
    t.unref();
    this.regetTimers.set(name, t);
  }

  private retryLater(name: string, s: ShadowState): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.chain = this.chain.then(() => this.reconcile(name, s)).catch((err: unknown) => this.log.error({ err }, 'shadow retry failed'));
    }, this.outputRetryMs);
    this.retryTimer.unref();
  }

  private tokenPrefix(): string {
    // clientToken ≤ 64 bytes: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html
    return `${this.opts.thing.slice(0, 40)}-agent-`;
  }

  private refuse(name: string, kind: string, reason: string): void {
    this.opts.metrics.shadowErrors++;
    this.log.warn({ shadow: name, kind, reason }, 'shadow document refused');
  }

  private markSynced(s: ShadowState): void {
    s.synced = true;
    if (!this.isSynced()) return;
    const w = this.syncWaiters;
    this.syncWaiters = [];
    for (const f of w) f();
  }
}

/** Keys reported before but absent now are sent as null so the shadow drops them. */
function diffNulls(before: Doc | undefined, now: object): Doc {
  const out: Doc = {};
  for (const k of Object.keys(before ?? {})) if (!(k in now)) out[k] = null;
  return out;
}

function pick(d: Doc, keys: string[]): Doc {
  const out: Doc = {};
  for (const k of keys) if (k in d) out[k] = d[k];
  return out;
}
