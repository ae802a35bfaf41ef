/**
 * Evaluates parsed IoT SQL (2016-03-23) against one message.
 * Operator semantics: https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-operators.html
 * Undefined semantics: https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-data-types.html
 */
import { exceedsJsonDepth } from '../../common/json-depth';
import { PulsepetError } from '../../protocol/errors';
import type { BinaryOp, CastTarget, Expr, SelectStatement } from './ast';
import { callFunction, type EvalContext, sqlRemainder } from './functions';
import { MAX_PAYLOAD_DEPTH } from './limits';
import {
  decimalExact,
  isObject,
  type JsonValue,
  type SqlValue,
  serializeSqlValue,
  sqlEquals,
  toBoolean,
  toDecimal,
  toNumberOperand,
  toSqlString,
  UNDEFINED,
} from './values';

/** One message as the evaluator sees it. */
export interface MessageEnv {
  /** the parsed JSON payload, or Undefined when the payload is not JSON or is {@link MessageEnv.unevaluable} */
  payload: SqlValue;
  raw: Buffer;
  ctx: EvalContext;
  /** why the payload cannot be evaluated (JSON nested deeper than MAX_PAYLOAD_DEPTH); absent when it can */
  unevaluable?: string;
}

/** The outgoing payload of a rule: JSON (possibly Undefined → empty) or the raw bytes for `SELECT *` on binary input. */
export type RuleOutput = { kind: 'json'; value: SqlValue } | { kind: 'binary'; bytes: Buffer };

/** Cached in place of a payload that is JSON but nested too deeply to evaluate. */
const TOO_DEEP: unique symbol = Symbol('payload nested too deeply');

/**
 * Parses the payload as JSON when it is JSON; otherwise the payload is binary
 * (iot-sql-select, binary payloads). JSON nested deeper than MAX_PAYLOAD_DEPTH is
 * marked `unevaluable`: walking it (`SELECT *` serialized, `=` on objects) would
 * recurse past the stack, so {@link evaluateStatement} refuses it instead.
 */
export function messageEnv(raw: Buffer, ctx: EvalContext): MessageEnv {
  let payload = parsedPayloads.get(raw);
  if (payload === undefined) {
    payload = parsePayload(raw);
    parsedPayloads.set(raw, payload);
  }
  if (payload === TOO_DEEP) {
    return { payload: UNDEFINED, raw, ctx, unevaluable: `the payload is JSON nested deeper than ${MAX_PAYLOAD_DEPTH} levels, the most the rules engine evaluates` };
  }
  return { payload, raw, ctx };
}

function parsePayload(raw: Buffer): SqlValue | typeof TOO_DEEP {
  let payload: SqlValue;
  try {
    // V8's JSON.parse does not recurse, so any depth parses; only what follows would.
    payload = JSON.parse(raw.toString('utf8')) as JsonValue;
  } catch {
    return UNDEFINED;
  }
  // JSON n levels deep takes at least 2n bytes (an opening and a closing bracket per
  // level): a shorter payload is not scanned.
  return raw.length > 2 * MAX_PAYLOAD_DEPTH && exceedsJsonDepth(raw, MAX_PAYLOAD_DEPTH) ? TOO_DEEP : payload;
}

/**
 * Every rule whose topic filter matches one message evaluates the same payload: it is
 * parsed once. Safe to share because evaluation never modifies a value it reads, and
 * actions hand on copies (JSON text for Lambda, serialized bytes for republish).
 */
const parsedPayloads = new WeakMap<Buffer, SqlValue | typeof TOO_DEEP>();

/** Bytes an action sends for a rule output. */
export function outputBytes(out: RuleOutput): Buffer {
  return out.kind === 'binary' ? out.bytes : Buffer.from(serializeSqlValue(out.value), 'utf8');
}

/**
 * Evaluates a statement: undefined when WHERE is not true, else the outgoing payload.
 * @throws PulsepetError `PP_ERR_VALIDATION` when the message cannot be evaluated
 *   (`env.unevaluable`, or a `decode()` result nested past MAX_PAYLOAD_DEPTH)
 */
export function evaluateStatement(stmt: SelectStatement, env: MessageEnv): RuleOutput | undefined {
  if (env.unevaluable !== undefined) {
    throw new PulsepetError('PP_ERR_VALIDATION', env.unevaluable, { details: { maxPayloadDepth: MAX_PAYLOAD_DEPTH } });
  }
  // iot-sql-where: WHERE is evaluated first; actions run only if it evaluates to true.
  if (stmt.where !== undefined && toBoolean(evaluate(stmt.where, env)) !== true) return undefined;
  const binary = env.payload === UNDEFINED;
  const only = stmt.items[0];
  if (stmt.items.length === 1 && only?.kind === 'star') {
    return binary ? { kind: 'binary', bytes: env.raw } : { kind: 'json', value: env.payload };
  }
  if (stmt.value) {
    return { kind: 'json', value: only?.kind === 'expr' ? evaluate(only.expr, env) : UNDEFINED };
  }
  const out: JsonObject = {};
  for (const item of stmt.items) {
    if (item.kind === 'star') {
      if (isObject(env.payload)) for (const [k, v] of Object.entries(env.payload)) safeSet(out, k, v);
      continue;
    }
    const v = evaluate(item.expr, env);
    // Undefined is not representable in JSON: the key is dropped (iot-sql-data-types).
    if (v !== UNDEFINED) setPath(out, item.key, v);
  }
  return { kind: 'json', value: out };
}

type JsonObject = { [key: string]: JsonValue };

/** Defines an own enumerable key, so a payload key such as `__proto__` stays data. */
function safeSet(o: JsonObject, k: string, v: JsonValue): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function setPath(target: JsonObject, path: string[], v: JsonValue): void {
  let o = target;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i] as string;
    const cur = Object.hasOwn(o, k) ? o[k] : undefined;
    // Copy on write: objects reached here may be shared with the payload (SELECT *).
    const next: JsonObject = cur !== undefined && isObject(cur) ? { ...cur } : {};
    safeSet(o, k, next);
    o = next;
  }
  safeSet(o, path[path.length - 1] as string, v);
}

/** Evaluates one expression; never throws on type errors (they yield Undefined), only on input too deep to evaluate. */
export function evaluate(e: Expr, env: MessageEnv): SqlValue {
  switch (e.type) {
    case 'literal':
      return e.value;
    case 'field':
      return isObject(env.payload) && Object.hasOwn(env.payload, e.name) ? (env.payload[e.name] as JsonValue) : UNDEFINED;
    case 'member': {
      const o = evaluate(e.object, env);
      return isObject(o) && Object.hasOwn(o, e.name) ? (o[e.name] as JsonValue) : UNDEFINED;
    }
    case 'star':
      return env.payload;
    case 'call': {
      // encode(*, 'base64') encodes the raw payload bytes, JSON or not (iot-sql-functions, encode).
      const first = e.args[0];
      if (e.name === 'encode' && first?.type === 'star' && e.args.length === 2) {
        const scheme = evaluate(e.args[1] as Expr, env);
        return typeof scheme === 'string' && scheme.toLowerCase() === 'base64' ? env.raw.toString('base64') : UNDEFINED;
      }
      return callFunction(
        e.name,
        e.args.map((a) => evaluate(a, env)),
        env.ctx,
      );
    }
    case 'cast':
      return castValue(evaluate(e.expr, env), e.to);
    case 'unary': {
      const v = evaluate(e.operand, env);
      if (e.op === 'NOT') {
        const b = toBoolean(v);
        return b === UNDEFINED ? UNDEFINED : !b;
      }
      const n = toNumberOperand(v);
      return n === UNDEFINED ? UNDEFINED : -n;
    }
    case 'binary':
      return binary(e.op, evaluate(e.left, env), evaluate(e.right, env));
    case 'case': {
      const subject = evaluate(e.subject, env);
      // iot-sql-case: if v is Undefined, the result is Undefined.
      if (subject === UNDEFINED) return UNDEFINED;
      for (const w of e.whens) {
        if (sqlEquals(subject, evaluate(w.when, env)) === true) return evaluate(w.result, env);
      }
      return e.otherwise === undefined ? UNDEFINED : evaluate(e.otherwise, env);
    }
    case 'object': {
      const o: JsonObject = {};
      for (const { key, value } of e.entries) {
        const v = evaluate(value, env);
        if (v !== UNDEFINED) safeSet(o, key, v);
      }
      return o;
    }
    case 'array': {
      const out: JsonValue[] = [];
      for (const item of e.items) {
        const v = evaluate(item, env);
        if (v !== UNDEFINED) out.push(v);
      }
      return out;
    }
  }
}

/** Binary operators exactly as the iot-sql-operators tables define them. */
export function binary(op: BinaryOp, l: SqlValue, r: SqlValue): SqlValue {
  switch (op) {
    case 'AND':
    case 'OR': {
      const a = toBoolean(l);
      const b = toBoolean(r);
      if (a === UNDEFINED || b === UNDEFINED) return UNDEFINED;
      return op === 'AND' ? a && b : a || b;
    }
    case '=':
      return sqlEquals(l, r);
    case '<>': {
      const eq = sqlEquals(l, r);
      return eq === UNDEFINED ? UNDEFINED : !eq;
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const a = toNumberOperand(l);
      const b = toNumberOperand(r);
      if (a === UNDEFINED || b === UNDEFINED) return UNDEFINED;
      if (op === '<') return a < b;
      if (op === '<=') return a <= b;
      if (op === '>') return a > b;
      return a >= b;
    }
    case '+': {
      // `+` concatenates when either side is a String, converting the other side.
      if (typeof l === 'string' || typeof r === 'string') {
        const a = toSqlString(l);
        const b = toSqlString(r);
        return a === UNDEFINED || b === UNDEFINED ? UNDEFINED : a + b;
      }
      if (typeof l === 'number' && typeof r === 'number') return finite(decimalExact(l + r, l, r, '+'));
      return UNDEFINED;
    }
    case '-':
    case '*':
    case '/': {
      const a = toNumberOperand(l);
      const b = toNumberOperand(r);
      if (a === UNDEFINED || b === UNDEFINED) return UNDEFINED;
      if (op === '-') return finite(decimalExact(a - b, a, b, '-'));
      if (op === '*') return finite(decimalExact(a * b, a, b, '*'));
      if (b === 0) return UNDEFINED;
      // Int / Int is Int, truncated toward zero.
      return Number.isInteger(a) && Number.isInteger(b) && typeof l === 'number' && typeof r === 'number'
        ? Math.trunc(a / b)
        : finite(a / b);
    }
    case '%':
      return sqlRemainder(l, r);
  }
}

function finite(n: number): SqlValue {
  return Number.isFinite(n) ? n : UNDEFINED;
}

/** cast(value AS type) (iot-sql-functions, cast tables). */
export function castValue(v: SqlValue, to: CastTarget): SqlValue {
  if (v === UNDEFINED || v === null) return UNDEFINED;
  switch (to) {
    case 'String':
      return toSqlString(v);
    case 'Boolean':
      if (typeof v === 'number') return v !== 0;
      return toBoolean(v);
    case 'Int':
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number') return Math.floor(v);
      if (typeof v === 'string') {
        const d = toDecimal(v);
        return typeof d === 'number' ? Math.trunc(d) : UNDEFINED;
      }
      return UNDEFINED;
    case 'Decimal':
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number') return v;
      if (typeof v === 'string') {
        const d = toDecimal(v);
        return typeof d === 'number' ? d : UNDEFINED;
      }
      return UNDEFINED;
  }
}
