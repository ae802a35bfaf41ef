/**
 * The pure core of the Device Shadow service: validates update requests, merges
 * them into the stored document and builds the response documents AWS publishes
 * (`/accepted`, `/delta`, `/documents`, `/rejected`). No I/O, no clock: callers
 * pass `nowMs`.
 *
 * - Documents: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html
 * - Data flow: https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-data-flow.html
 * - Errors:    https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html
 */
import { z } from 'zod';
import {
  cloneJson,
  computeDelta,
  depthExceeds,
  invalidNode,
  isPlainObject,
  type JsonObject,
  mergeInto,
  requestMetadata,
  selectMetadata,
} from './json-tree';

export type { JsonObject, JsonValue } from './json-tree';

/** The `desired` / `reported` pair used for both state and metadata. */
export interface ShadowSections {
  desired?: JsonObject;
  reported?: JsonObject;
}

/** What the store keeps for one live shadow. */
export interface StoredShadow {
  state: ShadowSections;
  metadata: ShadowSections;
  version: number;
  /** epoch seconds of the last accepted update */
  timestamp: number;
}

/** Document limits (size without metadata, nesting depth). */
export interface ShadowLimits {
  /** bytes of `{desired, reported}` (metadata excluded), AWS default 8 KB */
  maxDocumentBytes: number;
  /** levels of nesting inside `desired` / `reported`, AWS: 6 */
  maxDepth: number;
}

/** AWS IoT Core quotas: https://docs.aws.amazon.com/general/latest/gr/iot-core.html#device-shadow-limits */
export const DEFAULT_SHADOW_LIMITS: Readonly<ShadowLimits> = Object.freeze({ maxDocumentBytes: 8 * 1024, maxDepth: 6 });
/** AWS raises the document size to at most 30 KB on request. */
export const MAX_DOCUMENT_BYTES_CEILING = 30 * 1024;
/** "A client token that is longer than 64 bytes" is rejected with 400. */
export const MAX_CLIENT_TOKEN_BYTES = 64;

/** A rejection as published on `.../rejected` (plus the HTTP status it maps to). */
export interface ShadowRejection {
  code: number;
  message: string;
  clientToken?: string;
}

/** A failed operation: `ok: false` plus the rejection. */
export type Rejected = { ok: false } & ShadowRejection;

/** A successful update: the next stored shadow and the documents to publish. */
export interface UpdateSuccess {
  ok: true;
  next: StoredShadow;
  /**
   * body of `/update/accepted` and of the UpdateThingShadow HTTP response; built
   * on first read (an MQTT update whose accepted topic nobody subscribes to never is)
   */
  readonly accepted: JsonObject;
  /** body of `/update/documents`, built on first read (most updates have no documents subscriber) */
  readonly documents: JsonObject;
  /** body of `/update/delta`, present only when the delta is non-empty */
  delta?: JsonObject;
}

/** Result of {@link applyUpdate}. */
export type UpdateOutcome = UpdateSuccess | Rejected;

/** AWS's error messages (device-shadow-error-messages), word for word. */
export const MESSAGES = {
  invalidJson: 'Invalid JSON',
  missingState: 'Missing required node: state',
  stateNotObject: 'State node must be an object',
  desiredNotObject: 'Desired node must be an object',
  reportedNotObject: 'Reported node must be an object',
  invalidVersion: 'Invalid version',
  invalidClientToken: 'Invalid clientToken',
  versionConflict: 'Version conflict',
  tooLarge: 'The payload exceeds the maximum size allowed',
  encoding: 'Unsupported documented encoding; supported encoding is UTF-8',
} as const;

const ClientTokenSchema = z
  .string()
  .refine((s) => Buffer.byteLength(s, 'utf8') <= MAX_CLIENT_TOKEN_BYTES, 'clientToken exceeds 64 bytes');
const VersionSchema = z.number().int().nonnegative();

/** Epoch seconds, the unit of every shadow timestamp. */
export function epochSeconds(nowMs: number): number {
  return Math.floor(nowMs / 1000);
}

function reject(code: number, message: string, clientToken?: string): Rejected {
  return clientToken === undefined ? { ok: false, code, message } : { ok: false, code, message, clientToken };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a request payload. Empty payloads (allowed for get/delete) give
 * `undefined`; bad UTF-8 is 415, unparsable JSON is 400 "Invalid JSON".
 */
export function decodePayload(payload: Buffer | string): { ok: true; value: unknown } | Rejected {
  let text: string;
  if (typeof payload === 'string') text = payload;
  else {
    try {
      text = utf8.decode(payload);
    } catch {
      return reject(415, MESSAGES.encoding);
    }
  }
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    // V8's JSON.parse builds any depth without recursion (pinned by the shadow
    // tests at 100,000 levels); every walk after it is iterative or depth-bounded.
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return reject(400, MESSAGES.invalidJson);
  }
}

/** A well-formed clientToken from any request, for echoing on rejections. */
export function clientTokenOf(request: unknown): string | undefined {
  if (!isPlainObject(request)) return undefined;
  const r = ClientTokenSchema.safeParse(request.clientToken);
  return r.success ? r.data : undefined;
}

/** Validates the optional `{clientToken}` body of a get or delete request. */
export function parseSimpleRequest(request: unknown): { ok: true; clientToken?: string } | Rejected {
  if (request === undefined) return { ok: true };
  if (!isPlainObject(request)) return reject(400, MESSAGES.invalidJson);
  if (request.clientToken === undefined) return { ok: true };
  const t = ClientTokenSchema.safeParse(request.clientToken);
  if (!t.success) return reject(400, MESSAGES.invalidClientToken);
  return { ok: true, clientToken: t.data };
}

interface ParsedUpdate {
  clientToken?: string;
  version?: number;
  /** `null` = "state": null, which clears both sections */
  state: { desired?: JsonObject | null; reported?: JsonObject | null } | null;
}

function parseUpdate(request: unknown, limits: ShadowLimits): { ok: true; value: ParsedUpdate } | Rejected {
  if (!isPlainObject(request)) return reject(400, MESSAGES.invalidJson);
  const token = clientTokenOf(request);
  if (request.clientToken !== undefined && token === undefined) return reject(400, MESSAGES.invalidClientToken);
  let version: number | undefined;
  if (request.version !== undefined) {
    const v = VersionSchema.safeParse(request.version);
    if (!v.success) return reject(400, MESSAGES.invalidVersion, token);
    version = v.data;
  }
  if (!Object.hasOwn(request, 'state')) return reject(400, MESSAGES.missingState, token);
  const state = request.state;
  const base: ParsedUpdate = { state: null };
  if (token !== undefined) base.clientToken = token;
  if (version !== undefined) base.version = version;
  if (state === null) return { ok: true, value: base };
  if (!isPlainObject(state)) return reject(400, MESSAGES.stateNotObject, token);
  for (const k of Object.keys(state)) {
    if (k !== 'desired' && k !== 'reported') return reject(400, `State contains an invalid node: '${k}'`, token);
  }
  const parsed: { desired?: JsonObject | null; reported?: JsonObject | null } = {};
  for (const section of ['desired', 'reported'] as const) {
    if (!Object.hasOwn(state, section)) continue;
    const v = state[section];
    if (v !== null && !isPlainObject(v)) {
      return reject(400, section === 'desired' ? MESSAGES.desiredNotObject : MESSAGES.reportedNotObject, token);
    }
    if (v !== null) {
      const bad = invalidNode(v);
      if (bad) return reject(400, `State contains an invalid node: ${bad} in ${section}`, token);
      if (depthExceeds(v, limits.maxDepth)) {
        return reject(400, `JSON contains too many levels of nesting; maximum is ${limits.maxDepth}`, token);
      }
    }
    parsed[section] = v;
  }
  if (Buffer.byteLength(JSON.stringify(state), 'utf8') > limits.maxDocumentBytes) {
    return reject(413, MESSAGES.tooLarge, token);
  }
  base.state = parsed;
  return { ok: true, value: base };
}

function withToken(doc: JsonObject, clientToken: string | undefined): JsonObject {
  if (clientToken !== undefined) doc.clientToken = clientToken;
  return doc;
}

function sections(s: ShadowSections): JsonObject {
  const out: JsonObject = {};
  if (s.desired !== undefined) out.desired = s.desired;
  if (s.reported !== undefined) out.reported = s.reported;
  return out;
}

function cloneSections(s: ShadowSections): ShadowSections {
  const out: ShadowSections = {};
  if (s.desired !== undefined) out.desired = cloneJson(s.desired);
  if (s.reported !== undefined) out.reported = cloneJson(s.reported);
  return out;
}

/** `{state, metadata, version}` as carried in `/documents` previous/current. */
export function snapshotOf(shadow: StoredShadow): JsonObject {
  return { state: sections(shadow.state), metadata: sections(shadow.metadata), version: shadow.version };
}

/** Bytes counted against the document limit: desired + reported, no metadata. */
export function documentBytes(shadow: StoredShadow): number {
  return Buffer.byteLength(JSON.stringify(sections(shadow.state)), 'utf8');
}

/** Options of {@link applyUpdate}. */
export interface ApplyOptions {
  limits?: ShadowLimits;
  /**
   * The version the shadow continues from when `current` is undefined: the
   * deleted shadow's version if it was deleted recently, else 0 (AWS "Interacting
   * with shadows", DELETE: a re-created shadow follows the deleted one's version).
   */
  baseVersion?: number;
}

/**
 * Applies one update request. On success returns the next stored shadow and the
 * documents to publish; on failure the rejection (code + AWS message).
 *
 * @example
 * const r = applyUpdate(undefined, { state: { desired: { led: 'on' } } }, Date.now());
 * if (r.ok) r.next.version; // 1
 */
export function applyUpdate(
  current: StoredShadow | undefined,
  request: unknown,
  nowMs: number,
  opts: ApplyOptions = {},
): UpdateOutcome {
  const limits = opts.limits ?? DEFAULT_SHADOW_LIMITS;
  const parsed = parseUpdate(request, limits);
  if (!parsed.ok) return parsed;
  const { clientToken, version, state } = parsed.value;
  const currentVersion = current?.version ?? opts.baseVersion ?? 0;
  // "version — If used, the Device Shadow service processes the update only if the
  // specified version matches the latest version it has." (device-shadow-document)
  if (version !== undefined && version !== currentVersion) return reject(409, MESSAGES.versionConflict, clientToken);

  const ts = epochSeconds(nowMs);
  const next: StoredShadow = current
    ? { state: cloneSections(current.state), metadata: cloneSections(current.metadata), version: currentVersion + 1, timestamp: ts }
    : { state: {}, metadata: {}, version: currentVersion + 1, timestamp: ts };

  const touched = state === null ? { desired: null, reported: null } : state;
  for (const section of ['desired', 'reported'] as const) {
    if (!Object.hasOwn(touched, section)) continue;
    const patch = touched[section];
    if (patch === undefined) continue;
    if (patch === null) {
      // "desired": null removes the whole section
      delete next.state[section];
      delete next.metadata[section];
      continue;
    }
    const target = next.state[section] ?? {};
    const meta = next.metadata[section] ?? {};
    mergeInto(target, meta, patch, ts);
    // An empty section is omitted from the document (moto's AWS-verified cases).
    if (Object.keys(target).length === 0) {
      delete next.state[section];
      delete next.metadata[section];
    } else {
      next.state[section] = target;
      next.metadata[section] = meta;
    }
  }
  if (documentBytes(next) > limits.maxDocumentBytes) return reject(413, MESSAGES.tooLarge, clientToken);

  const out = new AcceptedUpdate(current, next, state, ts, clientToken);
  const delta = computeDelta(next.state.desired, next.state.reported);
  if (Object.keys(delta).length > 0) {
    out.delta = withToken(
      { state: delta, metadata: selectMetadata(delta, next.metadata.desired), version: next.version, timestamp: ts },
      clientToken,
    );
  }
  return out;
}

/**
 * A successful update whose response bodies are built on first read (a class, so
 * the getters live on one prototype): `current` and `next` are never changed after
 * the update (the next one builds a new document), so a later read gives the same
 * bodies.
 */
class AcceptedUpdate implements UpdateSuccess {
  readonly ok = true;
  delta?: JsonObject;

  constructor(
    private readonly current: StoredShadow | undefined,
    readonly next: StoredShadow,
    private readonly state: ParsedUpdate['state'],
    private readonly ts: number,
    private readonly clientToken: string | undefined,
  ) {}

  private acceptedBody?: JsonObject;
  private documentsBody?: JsonObject;

  get accepted(): JsonObject {
    this.acceptedBody ??= acceptedDocument(this.state, this.next.version, this.ts, this.clientToken);
    return this.acceptedBody;
  }

  get documents(): JsonObject {
    const { current, next } = this;
    this.documentsBody ??= withToken(
      { previous: current ? snapshotOf(current) : null, current: snapshotOf(next), timestamp: this.ts },
      this.clientToken,
    );
    return this.documentsBody;
  }
}

/**
 * Body of `/update/accepted`: the fields as sent (`"state": null` included), each
 * with its metadata, and the new version.
 */
function acceptedDocument(state: ParsedUpdate['state'], version: number, ts: number, clientToken: string | undefined): JsonObject {
  const touched = state === null ? { desired: null, reported: null } : state;
  const acceptedState: JsonObject = {};
  const acceptedMeta: JsonObject = {};
  for (const section of ['desired', 'reported'] as const) {
    if (!Object.hasOwn(touched, section)) continue;
    const patch = touched[section];
    if (patch === undefined) continue;
    acceptedState[section] = patch;
    acceptedMeta[section] = patch === null ? { timestamp: ts } : requestMetadata(patch, ts);
  }
  return withToken({ state: state === null ? null : acceptedState, metadata: acceptedMeta, version, timestamp: ts }, clientToken);
}

/** Body of `/get/accepted` and GetThingShadow: state incl. delta, metadata, version. */
export function getDocument(shadow: StoredShadow, nowMs: number, clientToken?: string): JsonObject {
  const state = sections(shadow.state);
  const delta = computeDelta(shadow.state.desired, shadow.state.reported);
  if (Object.keys(delta).length > 0) state.delta = delta;
  return withToken(
    { state, metadata: sections(shadow.metadata), version: shadow.version, timestamp: epochSeconds(nowMs) },
    clientToken,
  );
}

/** Body of `/delete/accepted` and DeleteThingShadow. */
export function deleteDocument(version: number, nowMs: number, clientToken?: string): JsonObject {
  return withToken({ version, timestamp: epochSeconds(nowMs) }, clientToken);
}

/** Body of `.../rejected`: `{code, message, timestamp, clientToken}`. */
export function rejectionDocument(r: ShadowRejection, nowMs: number): JsonObject {
  return withToken({ code: r.code, message: r.message, timestamp: epochSeconds(nowMs) }, r.clientToken);
}

/** The 404 rejection for a shadow that does not exist. */
export function notFound(thing: string, name: string | undefined, clientToken?: string): Rejected {
  return reject(404, `No shadow exists with name: '${name ?? thing}'`, clientToken);
}

/** Narrows a decoded JSON value (used by tests and callers holding `unknown`). */
export function asJsonObject(v: unknown): JsonObject | undefined {
  return isPlainObject(v) ? (v as JsonObject) : undefined;
}
