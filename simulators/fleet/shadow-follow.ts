/**
 * What a simulated device does with its `pet` and `config` named shadows, as the agent
 * does (device-agent/shadow-sync.ts) but lean enough for thousands on one event loop:
 *
 * - on every connect, `get` both shadows (a change made while offline is not missed);
 * - `config`: desired → applied (intervals, persona) → `reported` = the effective settings;
 *   no shadow yet (404): the settings in force are reported, which creates it;
 * - `pet`: desired → "shown" → `reported` = the desired state, so the next change is a delta;
 * - reports carry the version they were computed from; a 409 re-reads with `get`.
 *
 * Requests go out at QoS 0: anything lost is repaired by the next connect's `get`.
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-mqtt.html
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { mergeShadowState } from '../../protocol/shadow-merge';
import { type DeviceConfig, DeviceConfigSchema, PetStateSchema } from '../../protocol/shadows';
import { CONFIG_SHADOW, PET_SHADOW, parseShadowTopic, shadowTopic } from '../../protocol/topics';

const Obj = z.record(z.string(), z.unknown());
const GetAccepted = z.object({ state: z.object({ desired: Obj.nullish(), reported: Obj.nullish() }).passthrough().optional(), version: z.number().int() });
const Delta = z.object({ state: Obj, version: z.number().int() });
const Rejected = z.object({ code: z.number().int() });

type Doc = Record<string, unknown>;

interface Side {
  version: number;
  desired: Doc;
  reported: Doc | undefined;
}

export interface ShadowFollowHooks {
  thing: string;
  /** applies a validated `config` desired state; returns the effective config to report */
  applyConfig(desired: DeviceConfig): DeviceConfig;
  /** the config in force, reported when nothing is desired */
  currentConfig(): DeviceConfig;
  /** a `pet` update/delta arrived (the run matches it to the batch that caused it) */
  onPetDelta(): void;
  /** a shadow document that was not what the protocol promises */
  onRefused(reason: string): void;
  publish(topic: string, payload: string): void;
}

export class ShadowFollow {
  private readonly sides = new Map<string, Side>([
    [PET_SHADOW, { version: 0, desired: {}, reported: undefined }],
    [CONFIG_SHADOW, { version: 0, desired: {}, reported: undefined }],
  ]);
  private token = 0;

  constructor(private readonly h: ShadowFollowHooks) {}

  /** Filters to subscribe to before {@link onConnected}. */
  topics(): string[] {
    return [PET_SHADOW, CONFIG_SHADOW].flatMap((n) => [
      shadowTopic(this.h.thing, n, 'get', 'accepted'),
      shadowTopic(this.h.thing, n, 'get', 'rejected'),
      shadowTopic(this.h.thing, n, 'update', 'delta'),
      shadowTopic(this.h.thing, n, 'update', 'rejected'),
    ]);
  }

  onConnected(): void {
    this.get(PET_SHADOW);
    this.get(CONFIG_SHADOW);
  }

  /** Handles a delivered message; false when it is not one of these shadows' topics. */
  handle(topic: string, payload: Buffer): boolean {
    const p = parseShadowTopic(topic);
    if (p === undefined || p.thing !== this.h.thing || p.name === undefined) return false;
    const side = this.sides.get(p.name);
    if (side === undefined) return false;
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      this.h.onRefused(`${p.name} ${p.op}/${p.suffix}: not JSON`);
      return true;
    }
    const kind = `${p.op}/${p.suffix ?? ''}`;
    if (kind === 'get/accepted') this.onDocument(p.name, side, body);
    else if (kind === 'update/delta') this.onDelta(p.name, side, body);
    else if (kind === 'get/rejected' || kind === 'update/rejected') this.onRejected(p.name, side, kind, body);
    return true;
  }

  private onDocument(name: string, s: Side, body: unknown): void {
    const d = GetAccepted.safeParse(body);
    if (!d.success) {
      this.h.onRefused(`${name} get/accepted: ${d.error.issues[0]?.message}`);
      return;
    }
    if (d.data.version < s.version) return;
    s.version = d.data.version;
    s.desired = { ...(d.data.state?.desired ?? {}) };
    s.reported = d.data.state?.reported ? { ...d.data.state.reported } : undefined;
    this.reconcile(name, s);
  }

  private onDelta(name: string, s: Side, body: unknown): void {
    const d = Delta.safeParse(body);
    if (!d.success) {
      this.h.onRefused(`${name} update/delta: ${d.error.issues[0]?.message}`);
      return;
    }
    if (name === PET_SHADOW) this.h.onPetDelta();
    // ≥, not >: update/accepted and update/delta of one change carry the same version
    if (d.data.version < s.version) return;
    s.version = d.data.version;
    s.desired = mergeShadowState(s.desired, d.data.state);
    this.reconcile(name, s);
  }

  private onRejected(name: string, s: Side, kind: string, body: unknown): void {
    const code = Rejected.safeParse(body).data?.code;
    if (kind === 'get/rejected' && code === 404) {
      s.desired = {};
      s.reported = undefined;
      this.reconcile(name, s);
      return;
    }
    if (code === 409) this.get(name);
    else this.h.onRefused(`${name} ${kind}: code ${code ?? '?'}`);
  }

  private reconcile(name: string, s: Side): void {
    if (name === PET_SHADOW) {
      if (Object.keys(s.desired).length === 0) return;
      const pet = PetStateSchema.safeParse(s.desired);
      if (!pet.success) {
      this.h.onRefused(`pet desired: ${pet.error.issues[0]?.message}`);
      return;
    }
      if (s.reported !== undefined && isDeepStrictEqual(s.reported, pet.data)) return;
      const nulls: Doc = {};
      for (const k of Object.keys(s.reported ?? {})) if (!(k in pet.data)) nulls[k] = null;
      this.report(name, s, pet.data, nulls);
      return;
    }
    let effective: DeviceConfig;
    if (Object.keys(s.desired).length === 0) effective = this.h.currentConfig();
    else {
      const cfg = DeviceConfigSchema.safeParse(s.desired);
      if (!cfg.success) {
      this.h.onRefused(`config desired: ${cfg.error.issues[0]?.message}`);
      return;
    }
      effective = this.h.applyConfig(cfg.data);
    }
    const shown: Doc = {};
    for (const k of Object.keys(effective)) if (s.reported !== undefined && k in s.reported) shown[k] = s.reported[k];
    if (s.reported !== undefined && isDeepStrictEqual(shown, effective)) return;
    this.report(name, s, effective, {});
  }

  private report(name: string, s: Side, reported: object, nulls: Doc): void {
    s.reported = { ...reported };
    // no version before the shadow has one (it does not exist yet)
    const doc = { state: { reported: { ...nulls, ...reported } }, ...(s.version > 0 ? { version: s.version } : {}), clientToken: this.clientToken() };
    this.h.publish(shadowTopic(this.h.thing, name, 'update'), JSON.stringify(doc));
  }

  private get(name: string): void {
    this.h.publish(shadowTopic(this.h.thing, name, 'get'), JSON.stringify({ clientToken: this.clientToken() }));
  }

  private clientToken(): string {
    // ≤ 64 bytes: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html
    return `${this.h.thing.slice(0, 40)}-sim-${++this.token}`;
  }
}

