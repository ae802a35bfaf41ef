/**
 * JSON tree helpers for shadow documents: merge with null deletion, per-leaf
 * metadata, delta computation. Pure functions over plain JSON values.
 *
 * Semantics follow "Device Shadow service documents"
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html
 */
import { valueDepthExceeds } from '../../common/json-depth';

/** Any JSON value as JSON.parse produces it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A metadata leaf as AWS writes it: `{ "timestamp": epochSeconds }`. */
export interface MetadataLeaf {
  timestamp: number;
}

/** True for a JSON object (not null, not an array). */
export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep copy of a JSON value: a plain recursive walk, several times faster than
 * `structuredClone` on shadow-sized documents (it runs on every update). An own
 * `__proto__` key (JSON.parse creates one) is defined, not assigned, so it stays data.
 */
export function cloneJson<T extends JsonValue>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  const out: JsonObject = {};
  for (const k of Object.keys(v)) {
    const c = cloneJson((v as JsonObject)[k] as JsonValue);
    if (k === '__proto__') Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
    else out[k] = c;
  }
  return out as T;
}

/** Structural equality; object key order does not matter, arrays compare element-wise. */
export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) {
      if (!Object.hasOwn(b, k) || !deepEqual(a[k], b[k])) return false;
    }
    return true;
  }
  return false;
}

/**
 * True when `v` nests deeper than `maxDepth` (a scalar is 0 levels, an object or
 * array is 1 + its deepest child), without recursion: see common/json-depth.
 */
export function depthExceeds(v: JsonValue, maxDepth: number): boolean {
  return valueDepthExceeds(v, maxDepth);
}

/** Marks "an own `__proto__` key comes next" on {@link invalidNode}'s stack. */
const PROTO_KEY: unique symbol = Symbol('__proto__ key');

/**
 * The first node AWS would not store, or undefined: `null` inside an array
 * (rejected by AWS), a non-finite number (JSON.stringify would turn it into null),
 * or a `__proto__` key (it would reach Object.prototype through a merge).
 * Depth-first in document order, with an explicit stack rather than recursion, so
 * it runs before the depth check (keeping AWS's order of answers) at any depth.
 */
export function invalidNode(v: JsonValue, insideArray = false): string | undefined {
  const nodes: Array<JsonValue | typeof PROTO_KEY> = [v];
  const inArray: boolean[] = [insideArray];
  while (nodes.length > 0) {
    const n = nodes.pop() as JsonValue | typeof PROTO_KEY;
    const arr = inArray.pop() as boolean;
    if (n === PROTO_KEY) return "the key '__proto__'";
    if (n === null) {
      if (arr) return 'null inside an array';
    } else if (typeof n === 'number') {
      if (!Number.isFinite(n)) return 'a number out of range';
    } else if (Array.isArray(n)) {
      for (let i = n.length - 1; i >= 0; i--) {
        nodes.push(n[i] as JsonValue);
        inArray.push(true);
      }
    } else if (typeof n === 'object') {
      // pushed last to first, so they pop in document order; a key is checked before its value
      const keys = Object.keys(n);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        nodes.push(n[k] as JsonValue);
        inArray.push(arr);
        if (k === '__proto__') {
          nodes.push(PROTO_KEY);
          inArray.push(arr);
        }
      }
    }
  }
  return undefined;
}

/** Own property only: never an inherited member such as `constructor`. */
export function own(o: JsonObject | undefined, k: string): JsonValue | undefined {
  return o !== undefined && Object.hasOwn(o, k) ? o[k] : undefined;
}

/**
 * Metadata mirroring a value: every leaf becomes `{timestamp}`; objects recurse;
 * arrays become an array with one metadata entry per element (AWS "Array values
 * in shadow documents": arrays are values, but metadata is kept per element).
 */
export function metadataFor(v: JsonValue, ts: number): JsonValue {
  if (Array.isArray(v)) return v.map((x) => metadataFor(x, ts));
  if (isPlainObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = metadataFor(x, ts);
    return out;
  }
  return { timestamp: ts };
}

/** Removes `null` members from a fresh object (nothing to delete under a new key). */
function stripNulls(v: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null) continue;
    if (isPlainObject(x)) {
      const c = stripNulls(x);
      // an object made only of deletions stores nothing; an explicit {} is kept
      if (Object.keys(c).length === 0 && Object.keys(x).length > 0) continue;
      out[k] = c;
    } else out[k] = x;
  }
  return out;
}

/**
 * Merges `patch` into `target` (both mutated copies owned by the caller) and the
 * parallel metadata tree. AWS: "Updates affect only the fields specified"; a
 * `null` value deletes the key; arrays and scalars replace whole values; objects
 * merge key by key. An object emptied by deletions in this patch is removed, while
 * an explicitly sent `{}` is stored as a value (moto's AWS-verified cases).
 */
export function mergeInto(target: JsonObject, meta: JsonObject, patch: JsonObject, ts: number): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete target[k];
      delete meta[k];
      continue;
    }
    const cur = own(target, k);
    if (isPlainObject(v) && isPlainObject(cur)) {
      let m = own(meta, k);
      if (!isPlainObject(m)) {
        m = metadataFor(cur, ts) as JsonObject;
        meta[k] = m;
      }
      mergeInto(cur, m, v, ts);
      if (Object.keys(cur).length === 0 && Object.keys(v).length > 0) {
        delete target[k];
        delete meta[k];
      }
      continue;
    }
    if (isPlainObject(v)) {
      const fresh = stripNulls(v);
      // only deletions under a key that holds no object: nothing to change
      if (Object.keys(fresh).length === 0 && Object.keys(v).length > 0) continue;
      target[k] = fresh;
      meta[k] = metadataFor(fresh, ts);
      continue;
    }
    // request values are freshly parsed and never mutated later: no copy needed
    target[k] = v;
    meta[k] = metadataFor(v, ts);
  }
}

/**
 * The delta: every desired key whose value differs from reported (or is missing
 * there), nested paths kept from the root, arrays compared as whole values
 * (AWS "Delta state"). Keys only in reported never appear.
 */
export function computeDelta(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  if (!desired) return out;
  for (const [k, d] of Object.entries(desired)) {
    const r = own(reported, k);
    if (isPlainObject(d) && isPlainObject(r)) {
      const sub = computeDelta(d, r);
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else if (!deepEqual(d, r)) {
      out[k] = d;
    }
  }
  return out;
}

/** Metadata for a delta: the desired metadata at exactly the delta's paths. */
export function selectMetadata(delta: JsonObject, meta: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(delta)) {
    const m = own(meta, k);
    if (m === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(m) && !isMetadataLeaf(m) ? selectMetadata(v, m) : m;
  }
  return out;
}

function isMetadataLeaf(m: JsonObject): boolean {
  const keys = Object.keys(m);
  return keys.length === 1 && keys[0] === 'timestamp' && typeof m.timestamp === 'number';
}

/** Metadata for the fields of an update request as sent (nulls included). */
export function requestMetadata(patch: JsonObject, ts: number): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(patch)) {
    out[k] = isPlainObject(v) ? requestMetadata(v, ts) : metadataFor(v, ts);
  }
  return out;
}
