/**
 * Intrinsic functions of AWS IoT provisioning templates: a static check (at
 * CreateProvisioningTemplate) and an evaluator (at RegisterThing / JITP).
 * https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html#intrinsic-functions
 * Supported: Ref, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::FindInMap, and the
 * CloudFormation condition functions Fn::If / Fn::Equals / Fn::And / Fn::Or / Fn::Not
 * over a `Conditions` section (with `{"Ref": "AWS::NoValue"}` to drop a value).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Parameters AWS IoT fills in itself (JITP: from the device certificate's subject; fleet: the new certificate's id). */
export const PSEUDO_PARAMETERS: readonly string[] = [
  'AWS::IoT::Certificate::Id',
  'AWS::IoT::Certificate::CommonName',
  'AWS::IoT::Certificate::SerialNumber',
  'AWS::IoT::Certificate::Country',
  'AWS::IoT::Certificate::Organization',
  'AWS::IoT::Certificate::OrganizationalUnit',
  'AWS::IoT::Certificate::DistinguishedNameQualifier',
  'AWS::IoT::Certificate::StateName',
  'AWS::Region',
  'AWS::AccountId',
];

export const NO_VALUE_REF = 'AWS::NoValue';
export const SUPPORTED_FUNCTIONS = ['Ref', 'Fn::Join', 'Fn::Sub', 'Fn::Select', 'Fn::Split', 'Fn::FindInMap', 'Fn::If'] as const;
const CONDITION_FUNCTIONS = ['Fn::Equals', 'Fn::And', 'Fn::Or', 'Fn::Not'] as const;

/** What a static check may refer to. */
export interface CheckScope {
  parameters: ReadonlySet<string>;
  mappings: Readonly<Record<string, JsonValue>>;
  conditions: ReadonlySet<string>;
}

/** What an evaluation reads: parameter values (declared and pseudo) and the template's mappings/conditions. */
export interface EvalScope {
  values: ReadonlyMap<string, string>;
  mappings: Readonly<Record<string, JsonValue>>;
  condition: (name: string, path: string) => boolean;
}

/** Thrown while evaluating a template against parameters; `path` names the template location. */
export class TemplateEvaluationError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'TemplateEvaluationError';
    this.path = path;
  }
}

/** The marker `{"Ref": "AWS::NoValue"}` evaluates to: the enclosing property or list item is dropped. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
export type Evaluated = JsonValue | typeof NO_VALUE;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The function name when `v` is an intrinsic call (`{"Ref": …}`, `{"Fn::…": …}`), else undefined. */
export function intrinsicName(v: JsonValue): string | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length !== 1) return undefined;
  const k = keys[0]!;
  return k === 'Ref' || k.startsWith('Fn::') ? k : undefined;
}

function isKnownRef(name: string, scope: CheckScope): boolean {
  return scope.parameters.has(name) || PSEUDO_PARAMETERS.includes(name) || name === NO_VALUE_REF;
}

function argList(v: JsonValue, fn: string, path: string, arity: number | [number, number], problems: string[]): JsonValue[] | undefined {
  const [min, max] = typeof arity === 'number' ? [arity, arity] : arity;
  if (!Array.isArray(v) || v.length < min || v.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    problems.push(`${path}: ${fn} takes a list of ${want} arguments`);
    return undefined;
  }
  return v;
}

/**
 * Statically checks a value that may contain intrinsic functions. Records one
 * message per problem in `problems` (each starting with the template path).
 */
export function checkValue(v: JsonValue, path: string, scope: CheckScope, problems: string[]): void {
  if (Array.isArray(v)) {
    for (const [i, item] of v.entries()) checkValue(item, `${path}[${i}]`, scope, problems);
    return;
  }
  if (!isObject(v)) return;
  const fn = intrinsicName(v);
  const fnKeys = Object.keys(v).filter((k) => k === 'Ref' || k.startsWith('Fn::'));
  if (fn === undefined && fnKeys.length > 0) {
    problems.push(`${path}: ${fnKeys[0]} must be the only key of its object`);
    return;
  }
  if (fn === undefined) {
    for (const [k, item] of Object.entries(v)) checkValue(item, `${path}.${k}`, scope, problems);
    return;
  }
  checkFunction(fn, v[fn]!, `${path}.${fn}`, scope, problems);
}

function checkFunction(fn: string, arg: JsonValue, path: string, scope: CheckScope, problems: string[]): void {
  switch (fn) {
    case 'Ref':
      if (typeof arg !== 'string') problems.push(`${path}: Ref takes a parameter name (a string)`);
      else if (!isKnownRef(arg, scope)) problems.push(`${path}: Ref to '${arg}', which is not declared in Parameters`);
      return;
    case 'Fn::Join': {
      const a = argList(arg, fn, path, 2, problems);
      if (!a) return;
      if (typeof a[0] !== 'string') problems.push(`${path}[0]: the Fn::Join delimiter must be a string`);
      if (!Array.isArray(a[1]) && intrinsicName(a[1]!) === undefined) problems.push(`${path}[1]: Fn::Join joins a list of values`);
      checkValue(a[1]!, `${path}[1]`, scope, problems);
      return;
    }
    case 'Fn::Sub':
      checkSub(arg, path, scope, problems);
      return;
    case 'Fn::Select': {
      const a = argList(arg, fn, path, 2, problems);
      if (!a) return;
      const idx = a[0]!;
      if (intrinsicName(idx) === undefined && !(typeof idx === 'number' || (typeof idx === 'string' && /^\d+$/.test(idx)))) {
        problems.push(`${path}[0]: the Fn::Select index must be a non-negative integer`);
      }
      for (const [i, x] of a.entries()) checkValue(x, `${path}[${i}]`, scope, problems);
      return;
    }
    case 'Fn::Split': {
      const a = argList(arg, fn, path, 2, problems);
      if (!a) return;
      if (typeof a[0] !== 'string' || a[0] === '') problems.push(`${path}[0]: the Fn::Split delimiter must be a non-empty string`);
      checkValue(a[1]!, `${path}[1]`, scope, problems);
      return;
    }
    case 'Fn::FindInMap':
      checkFindInMap(arg, path, scope, problems);
      return;
    case 'Fn::If': {
      const a = argList(arg, fn, path, 3, problems);
      if (!a) return;
      if (typeof a[0] !== 'string') problems.push(`${path}[0]: Fn::If names a condition (a string)`);
      else if (!scope.conditions.has(a[0])) problems.push(`${path}[0]: condition '${a[0]}' is not declared in Conditions`);
      checkValue(a[1]!, `${path}[1]`, scope, problems);
      checkValue(a[2]!, `${path}[2]`, scope, problems);
      return;
    }
    default:
      problems.push(
        (CONDITION_FUNCTIONS as readonly string[]).includes(fn)
          ? `${path}: ${fn} may only be used in the Conditions section`
          : `${path}: unsupported intrinsic function ${fn} (supported: ${SUPPORTED_FUNCTIONS.join(', ')})`,
      );
  }
}

const SUB_VARIABLE = /\$\{([^}]*)\}/g;

function checkSub(arg: JsonValue, path: string, scope: CheckScope, problems: string[]): void {
  let text: JsonValue = arg;
  let vars: JsonObject = {};
  if (Array.isArray(arg)) {
    if (arg.length !== 2 || typeof arg[0] !== 'string' || !isObject(arg[1])) {
      problems.push(`${path}: Fn::Sub takes a string, or a list of a string and a map of variables`);
      return;
    }
    [text, vars] = [arg[0], arg[1]];
    for (const [k, x] of Object.entries(vars)) checkValue(x, `${path}[1].${k}`, scope, problems);
  }
  if (typeof text !== 'string') {
    problems.push(`${path}: Fn::Sub takes a string, or a list of a string and a map of variables`);
    return;
  }
  for (const m of text.matchAll(SUB_VARIABLE)) {
    const name = m[1]!;
    if (name.startsWith('!')) continue; // ${!Literal} is written as ${Literal}
    if (name in vars || isKnownRef(name, scope)) continue;
    problems.push(`${path}: variable \${${name}} is neither a declared parameter nor a Fn::Sub variable`);
  }
}

function checkFindInMap(arg: JsonValue, path: string, scope: CheckScope, problems: string[]): void {
  const a = argList(arg, 'Fn::FindInMap', path, 3, problems);
  if (!a) return;
  const map = a[0]!;
  if (typeof map === 'string' && !(map in scope.mappings)) problems.push(`${path}[0]: mapping '${map}' is not declared in Mappings`);
  for (const [i, x] of a.entries()) {
    if (typeof x !== 'string' && intrinsicName(x) === undefined) problems.push(`${path}[${i}]: Fn::FindInMap keys must be strings`);
    checkValue(x, `${path}[${i}]`, scope, problems);
  }
}

/** Checks one entry of the `Conditions` section (a condition function over values and other conditions). */
export function checkCondition(v: JsonValue, path: string, scope: CheckScope, problems: string[]): void {
  if (isObject(v) && Object.keys(v).length === 1 && typeof v.Condition === 'string') {
    if (!scope.conditions.has(v.Condition)) problems.push(`${path}: condition '${v.Condition}' is not declared in Conditions`);
    return;
  }
  const fn = intrinsicName(v);
  if (fn === undefined || !(CONDITION_FUNCTIONS as readonly string[]).includes(fn)) {
    problems.push(`${path}: a condition must be one of ${CONDITION_FUNCTIONS.join(', ')}`);
    return;
  }
  const arg = (v as JsonObject)[fn]!;
  const p = `${path}.${fn}`;
  if (fn === 'Fn::Equals') {
    const a = argList(arg, fn, p, 2, problems);
    if (a) for (const [i, x] of a.entries()) checkValue(x, `${p}[${i}]`, scope, problems);
    return;
  }
  const a = argList(arg, fn, p, fn === 'Fn::Not' ? 1 : [2, 10], problems);
  if (a) for (const [i, x] of a.entries()) checkCondition(x, `${p}[${i}]`, scope, problems);
}

/** Evaluates a value against parameter values; `NO_VALUE` entries are dropped from objects and lists. */
export function evaluate(v: JsonValue, path: string, scope: EvalScope): Evaluated {
  if (Array.isArray(v)) {
    const out: JsonValue[] = [];
    v.forEach((item, i) => {
      const r = evaluate(item, `${path}[${i}]`, scope);
      if (r !== NO_VALUE) out.push(r);
    });
    return out;
  }
  if (!isObject(v)) return v;
  const fn = intrinsicName(v);
  if (fn === undefined) {
    const out: JsonObject = {};
    for (const [k, item] of Object.entries(v)) {
      const r = evaluate(item, `${path}.${k}`, scope);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }
  return evaluateFunction(fn, v[fn]!, `${path}.${fn}`, scope);
}

function asString(v: Evaluated, path: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateEvaluationError(path, 'must evaluate to a string');
}

function asList(v: Evaluated, path: string): JsonValue[] {
  if (Array.isArray(v)) return v;
  throw new TemplateEvaluationError(path, 'must evaluate to a list');
}

function refValue(name: string, path: string, scope: EvalScope): Evaluated {
  if (name === NO_VALUE_REF) return NO_VALUE;
  const value = scope.values.get(name);
  if (value === undefined) throw new TemplateEvaluationError(path, `parameter '${name}' has no value`);
  return value;
}

function evaluateFunction(fn: string, arg: JsonValue, path: string, scope: EvalScope): Evaluated {
  const a = Array.isArray(arg) ? arg : [];
  switch (fn) {
    case 'Ref':
      return refValue(String(arg), path, scope);
    case 'Fn::Join': {
      const items = asList(evaluate(a[1]!, `${path}[1]`, scope), `${path}[1]`);
      return items.map((x, i) => asString(x, `${path}[1][${i}]`)).join(String(a[0]));
    }
    case 'Fn::Sub':
      return evaluateSub(arg, path, scope);
    case 'Fn::Select': {
      const index = Number(asString(evaluate(a[0]!, `${path}[0]`, scope), `${path}[0]`));
      const list = asList(evaluate(a[1]!, `${path}[1]`, scope), `${path}[1]`);
      const item = list[index];
      if (!Number.isInteger(index) || item === undefined || item === null) {
        throw new TemplateEvaluationError(path, `index ${index} is outside the list of ${list.length} (or selects null)`);
      }
      return item;
    }
    case 'Fn::Split':
      return asString(evaluate(a[1]!, `${path}[1]`, scope), `${path}[1]`).split(String(a[0]));
    case 'Fn::FindInMap':
      return evaluateFindInMap(a, path, scope);
    case 'Fn::If': {
      const branch = scope.condition(String(a[0]), `${path}[0]`) ? 1 : 2;
      return evaluate(a[branch]!, `${path}[${branch}]`, scope);
    }
    default:
      throw new TemplateEvaluationError(path, `unsupported intrinsic function ${fn}`);
  }
}

function evaluateSub(arg: JsonValue, path: string, scope: EvalScope): string {
  const [text, vars] = Array.isArray(arg) ? [String(arg[0]), (arg[1] ?? {}) as JsonObject] : [String(arg), {}];
  return text.replace(SUB_VARIABLE, (_all, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in vars) return asString(evaluate(vars[name]!, `${path}[1].${name}`, scope), `${path}[1].${name}`);
    return asString(refValue(name, path, scope), path);
  });
}

function evaluateFindInMap(a: JsonValue[], path: string, scope: EvalScope): JsonValue {
  const [map, top, second] = a.map((x, i) => asString(evaluate(x, `${path}[${i}]`, scope), `${path}[${i}]`));
  const level1 = scope.mappings[map!];
  const level2 = isObject(level1) ? level1[top!] : undefined;
  const value = isObject(level2) ? level2[second!] : undefined;
  if (value === undefined) throw new TemplateEvaluationError(path, `no value in mapping '${map}' for keys '${top}', '${second}'`);
  return value;
}

/** Evaluates one `Conditions` entry; `scope.condition` resolves `{"Condition": name}` references. */
export function evaluateCondition(v: JsonValue, path: string, scope: EvalScope): boolean {
  if (isObject(v) && typeof v.Condition === 'string') return scope.condition(v.Condition, path);
  const fn = intrinsicName(v)!;
  const a = ((v as JsonObject)[fn] ?? []) as JsonValue[];
  const p = `${path}.${fn}`;
  switch (fn) {
    case 'Fn::Equals':
      return JSON.stringify(evaluate(a[0]!, `${p}[0]`, scope)) === JSON.stringify(evaluate(a[1]!, `${p}[1]`, scope));
    case 'Fn::And':
      return a.every((x, i) => evaluateCondition(x, `${p}[${i}]`, scope));
    case 'Fn::Or':
      return a.some((x, i) => evaluateCondition(x, `${p}[${i}]`, scope));
    case 'Fn::Not':
      return !evaluateCondition(a[0]!, `${p}[0]`, scope);
    default:
      throw new TemplateEvaluationError(path, `unsupported condition function ${fn}`);
  }
}
