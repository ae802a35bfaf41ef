/**
 * The IoT SQL functions in the supported subset, as iot-sql-functions documents
 * them. Functions called with wrong types or argument counts return Undefined
 * (iot-sql-data-types, Undefined row).
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-functions.html
 */
import { createHash, randomUUID } from 'node:crypto';
import { exceedsJsonDepth } from '../../common/json-depth';
import { PulsepetError } from '../../protocol/errors';
import { MAX_PAYLOAD_DEPTH } from './limits';
import {
  decimalExact,
  isNumber,
  isObject,
  type JsonValue,
  type SqlValue,
  toNumberOperand,
  toSqlString,
  UNDEFINED,
} from './values';

/** What a rule evaluation knows about the message besides its payload. */
export interface EvalContext {
  topic: string;
  /** MQTT client id; absent when the message did not arrive over MQTT (`clientid()` = "n/a") */
  clientId?: string;
  /** certificate id / access key id of the publisher (`principal()`) */
  principal?: string;
  /** epoch ms, as observed by the rules engine (`timestamp()`) */
  timestamp: number;
  accountId?: string;
  sqlVersion?: string;
}

type Impl = (args: SqlValue[], ctx: EvalContext) => SqlValue;

interface FunctionSpec {
  min: number;
  max: number;
  impl: Impl;
}

const num = (v: SqlValue): number | undefined => {
  const n = toNumberOperand(v);
  return typeof n === 'number' ? n : undefined;
};

/** A numeric function of one argument; Int in → Int out when `keepInt`. */
function numeric1(f: (x: number) => number): Impl {
  return ([a]) => {
    const x = num(a as SqlValue);
    if (x === undefined) return UNDEFINED;
    const r = f(x);
    return Number.isFinite(r) ? r : UNDEFINED;
  };
}

/** iot-sql-functions, round: `Round(1.5)` = 2, `Round(-1.5)` = -2 (half away from zero). */
function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

function str(v: SqlValue): string | undefined {
  const s = toSqlString(v);
  return typeof s === 'string' ? s : undefined;
}

function string1(f: (s: string) => SqlValue): Impl {
  return ([a]) => {
    const s = str(a as SqlValue);
    return s === undefined ? UNDEFINED : f(s);
  };
}

/** Remainder with Int/Int → Int, otherwise Decimal (iot-sql-operators, `%`; mod()). */
export function sqlRemainder(a: SqlValue, b: SqlValue): SqlValue {
  const x = toNumberOperand(a);
  const y = toNumberOperand(b);
  if (x === UNDEFINED || y === UNDEFINED || y === 0) return UNDEFINED;
  return decimalExact(x % y, x, y, '%');
}

function topicOf(ctx: EvalContext): string {
  // Basic Ingest: the `$aws/rules/{rule}/` prefix is not visible to topic() (iot-sql-functions, topic).
  const m = /^\$aws\/rules\/[^/]+\/(.*)$/.exec(ctx.topic);
  return m ? (m[1] as string) : ctx.topic;
}

function hash(alg: string): Impl {
  return string1((s) => createHash(alg).update(s, 'utf8').digest('hex'));
}

function concat(args: SqlValue[]): SqlValue {
  if (args.length === 0) return UNDEFINED;
  if (args.some((a) => Array.isArray(a))) {
    const out: JsonValue[] = [];
    for (const a of args) {
      if (a === UNDEFINED) return UNDEFINED;
      if (Array.isArray(a)) out.push(...a);
      else out.push(a);
    }
    return out;
  }
  // iot-sql-functions, concat: `concat(1)` = "1", `concat(1, "hello")` = "1hello".
  let s = '';
  for (const a of args) {
    const p = str(a);
    if (p === undefined) return UNDEFINED;
    s += p;
  }
  return s;
}

function get([coll, key]: SqlValue[]): SqlValue {
  if (coll === undefined || key === undefined) return UNDEFINED;
  if (Array.isArray(coll) || typeof coll === 'string') {
    const n = num(key);
    if (n === undefined) return UNDEFINED;
    const i = Math.trunc(n);
    if (i < 0 || i >= coll.length) return UNDEFINED;
    return (Array.isArray(coll) ? coll[i] : coll.charAt(i)) as JsonValue;
  }
  if (isObject(coll) && typeof key === 'string') {
    return Object.hasOwn(coll, key) ? (coll[key] as JsonValue) : UNDEFINED;
  }
  return UNDEFINED;
}

function substring([s, from, to]: SqlValue[]): SqlValue {
  const text = str(s as SqlValue);
  const f = num(from as SqlValue);
  if (text === undefined || f === undefined) return UNDEFINED;
  const chars = [...text];
  const clamp = (n: number) => Math.min(Math.max(Math.floor(n), 0), chars.length);
  const start = clamp(f);
  if (to === undefined) return chars.slice(start).join('');
  const t = num(to);
  if (t === undefined) return UNDEFINED;
  const end = clamp(t);
  return start >= end ? '' : chars.slice(start, end).join('');
}

function affix(test: (s: string, p: string) => boolean): Impl {
  return ([a, b]) => {
    if (a === null || b === null || a === UNDEFINED || b === UNDEFINED) return UNDEFINED;
    const s = str(a as SqlValue);
    const p = str(b as SqlValue);
    return s === undefined || p === undefined ? UNDEFINED : test(s, p);
  };
}

function decode([v, scheme]: SqlValue[]): SqlValue {
  if (typeof scheme !== 'string' || scheme.toLowerCase() !== 'base64') return UNDEFINED;
  const s = str(v as SqlValue);
  if (s === undefined || !/^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/\s/g, ''))) return null;
  const text = Buffer.from(s, 'base64').toString('utf8');
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
  // A decoded document is walked like a payload (serialized, compared): as deep a
  // one cannot be evaluated either, and the rule reports it (see messageEnv).
  if (text.length > 2 * MAX_PAYLOAD_DEPTH && exceedsJsonDepth(text, MAX_PAYLOAD_DEPTH)) {
    throw new PulsepetError('PP_ERR_VALIDATION', `decode(): the decoded JSON is nested deeper than ${MAX_PAYLOAD_DEPTH} levels, the most the rules engine evaluates`, {
      details: { maxPayloadDepth: MAX_PAYLOAD_DEPTH },
    });
  }
  return value;
}

const FUNCTIONS: Record<string, FunctionSpec> = {
  abs: { min: 1, max: 1, impl: numeric1(Math.abs) },
  ceil: { min: 1, max: 1, impl: numeric1(Math.ceil) },
  floor: { min: 1, max: 1, impl: numeric1(Math.floor) },
  round: { min: 1, max: 1, impl: numeric1(roundHalfAway) },
  sign: { min: 1, max: 1, impl: numeric1((x) => (x > 0 ? 1 : x < 0 ? -1 : 0)) },
  sqrt: { min: 1, max: 1, impl: numeric1(Math.sqrt) },
  ln: { min: 1, max: 1, impl: numeric1(Math.log) },
  log: { min: 1, max: 1, impl: numeric1(Math.log10) },
  exp: { min: 1, max: 1, impl: numeric1(Math.exp) },
  power: {
    min: 2,
    max: 2,
    impl: ([a, b]) => {
      const x = num(a as SqlValue);
      const y = num(b as SqlValue);
      if (x === undefined || y === undefined) return UNDEFINED;
      const r = x ** y;
      return Number.isFinite(r) ? r : UNDEFINED;
    },
  },
  mod: { min: 2, max: 2, impl: ([a, b]) => sqlRemainder(a as SqlValue, b as SqlValue) },
  remainder: { min: 2, max: 2, impl: ([a, b]) => sqlRemainder(a as SqlValue, b as SqlValue) },
  lower: { min: 1, max: 1, impl: string1((s) => s.toLowerCase()) },
  upper: { min: 1, max: 1, impl: string1((s) => s.toUpperCase()) },
  trim: { min: 1, max: 1, impl: string1((s) => s.replace(/^[ \t]+|[ \t]+$/g, '')) },
  ltrim: { min: 1, max: 1, impl: string1((s) => s.replace(/^[ \t]+/, '')) },
  rtrim: { min: 1, max: 1, impl: string1((s) => s.replace(/[ \t]+$/, '')) },
  length: { min: 1, max: 1, impl: string1((s) => [...s].length) },
  numbytes: { min: 1, max: 1, impl: string1((s) => Buffer.byteLength(s, 'utf8')) },
  substring: { min: 2, max: 3, impl: substring },
  startswith: { min: 2, max: 2, impl: affix((s, p) => s.startsWith(p)) },
  endswith: { min: 2, max: 2, impl: affix((s, p) => s.endsWith(p)) },
  indexof: {
    min: 2,
    max: 2,
    impl: ([a, b]) => {
      const s = str(a as SqlValue);
      const p = str(b as SqlValue);
      return s === undefined || p === undefined ? UNDEFINED : s.indexOf(p);
    },
  },
  replace: {
    min: 3,
    max: 3,
    impl: ([a, b, c]) => {
      const [s, f, t] = [str(a as SqlValue), str(b as SqlValue), str(c as SqlValue)];
      return s === undefined || f === undefined || t === undefined ? UNDEFINED : s.split(f).join(t);
    },
  },
  concat: { min: 0, max: Number.POSITIVE_INFINITY, impl: concat },
  get: { min: 2, max: 2, impl: get },
  isnull: { min: 1, max: 1, impl: ([a]) => a === null },
  isundefined: { min: 1, max: 1, impl: ([a]) => a === UNDEFINED },
  nanvl: {
    min: 2,
    max: 2,
    impl: ([a, b]) => (a === UNDEFINED || a === null || (isNumber(a as SqlValue) && Number.isNaN(a)) ? (b as SqlValue) : (a as SqlValue)),
  },
  topic: {
    min: 0,
    max: 1,
    impl: (args, ctx) => {
      const t = topicOf(ctx);
      if (args.length === 0) return t;
      const n = num(args[0] as SqlValue);
      if (n === undefined) return UNDEFINED;
      const level = t.split('/')[Math.trunc(n) - 1];
      return n >= 1 && level !== undefined ? level : UNDEFINED;
    },
  },
  clientid: { min: 0, max: 0, impl: (_a, ctx) => ctx.clientId ?? 'n/a' },
  principal: { min: 0, max: 0, impl: (_a, ctx) => ctx.principal ?? UNDEFINED },
  timestamp: { min: 0, max: 0, impl: (_a, ctx) => ctx.timestamp },
  newuuid: { min: 0, max: 0, impl: () => randomUUID() },
  accountid: { min: 0, max: 0, impl: (_a, ctx) => ctx.accountId ?? UNDEFINED },
  sql_version: { min: 0, max: 0, impl: (_a, ctx) => ctx.sqlVersion ?? '2016-03-23' },
  encode: {
    min: 2,
    max: 2,
    impl: ([v, scheme]) => {
      if (typeof scheme !== 'string' || scheme.toLowerCase() !== 'base64') return UNDEFINED;
      const s = str(v as SqlValue);
      return s === undefined ? UNDEFINED : Buffer.from(s, 'utf8').toString('base64');
    },
  },
  decode: { min: 2, max: 2, impl: decode },
  md5: { min: 1, max: 1, impl: hash('md5') },
  sha1: { min: 1, max: 1, impl: hash('sha1') },
  sha256: { min: 1, max: 1, impl: hash('sha256') },
  sha512: { min: 1, max: 1, impl: hash('sha512') },
};

/** Names (lower case) of the supported functions, for the README and the parser. */
export const SUPPORTED_FUNCTIONS: readonly string[] = [...Object.keys(FUNCTIONS), 'cast'].sort();

export function isKnownFunction(name: string): boolean {
  return Object.hasOwn(FUNCTIONS, name);
}

/** Calls a supported function; wrong argument counts give Undefined. */
export function callFunction(name: string, args: SqlValue[], ctx: EvalContext): SqlValue {
  const spec = FUNCTIONS[name];
  if (spec === undefined || args.length < spec.min || args.length > spec.max) return UNDEFINED;
  return spec.impl(args, ctx);
}
