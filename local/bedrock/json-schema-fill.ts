/**
 * A small JSON Schema walker for tool input schemas: it fills a value that satisfies a
 * schema, checks a value against one, and breaks a valid value on purpose (fault
 * injection). Only the keywords tool schemas use are understood: `type` (object,
 * string, number, integer, boolean, array), `properties`, `required`, `enum`,
 * `maxLength`, `minLength`, `minimum`, `maximum`, `items`, `minItems`, `maxItems`.
 */

/** A JSON Schema as a plain object. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** What a string or number is filled with, by property name (the caller words it). */
export interface FillSource {
  /** the text for a string property named `name` (e.g. `message`), or undefined for a default */
  text(name: string): string | undefined;
  /** a number for property `name`, when the prompt's facts carry one */
  number(name: string): number | undefined;
  /** the enum value to prefer for property `name`, when the facts name one */
  choice(name: string, options: readonly unknown[]): unknown;
}

const asSchema = (v: unknown): JsonSchema => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonSchema) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function typeOf(schema: JsonSchema): string | undefined {
  const t = schema.type;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) return t.find((x): x is string => typeof x === 'string' && x !== 'null');
  if (schema.properties !== undefined) return 'object';
  return undefined;
}

/** A value satisfying `schema`, worded by `source` where the schema leaves room. */
export function fillSchema(schema: JsonSchema, source: FillSource, name = ''): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const picked = source.choice(name, schema.enum);
    return schema.enum.includes(picked) ? picked : schema.enum[0];
  }
  switch (typeOf(schema)) {
    case 'object': {
      const props = asSchema(schema.properties);
      return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, fillSchema(asSchema(s), source, k)]));
    }
    case 'array': {
      const n = Math.min(Math.max(num(schema.minItems) ?? 1, 1), num(schema.maxItems) ?? Number.POSITIVE_INFINITY);
      return Array.from({ length: n }, () => fillSchema(asSchema(schema.items), source, name));
    }
    case 'number':
    case 'integer':
      return fillNumber(schema, source.number(name));
    case 'boolean':
      return false;
    case 'string':
      return fillString(schema, source.text(name) ?? name);
    default:
      return null;
  }
}

function fillNumber(schema: JsonSchema, fact: number | undefined): number {
  const lo = num(schema.minimum) ?? Number.NEGATIVE_INFINITY;
  const hi = num(schema.maximum) ?? Number.POSITIVE_INFINITY;
  let v = Math.min(Math.max(fact ?? 0, lo), hi);
  if (schema.type === 'integer') v = Math.min(Math.max(Math.round(v), Math.ceil(lo)), Math.floor(hi));
  return v;
}

function fillString(schema: JsonSchema, text: string): string {
  const max = num(schema.maxLength) ?? Number.POSITIVE_INFINITY;
  const min = num(schema.minLength) ?? 0;
  // Code points, as JSON Schema counts length (RFC 8259 characters, not UTF-16 units).
  const chars = [...text].slice(0, max);
  while (chars.length < min) chars.push('.');
  return chars.join('');
}

/** Every way `value` breaks `schema`, as `path: reason` lines; empty when it satisfies it. */
export function schemaViolations(schema: JsonSchema, value: unknown, path = '$'): string[] {
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${path}: not one of ${JSON.stringify(schema.enum)}`];
  switch (typeOf(schema)) {
    case 'object':
      return objectViolations(schema, value, path);
    case 'array': {
      if (!Array.isArray(value)) return [`${path}: expected an array`];
      const out: string[] = [];
      if (value.length < (num(schema.minItems) ?? 0)) out.push(`${path}: fewer than ${String(schema.minItems)} items`);
      if (value.length > (num(schema.maxItems) ?? Number.POSITIVE_INFINITY)) out.push(`${path}: more than ${String(schema.maxItems)} items`);
      for (const [i, v] of value.entries()) out.push(...schemaViolations(asSchema(schema.items), v, `${path}[${i}]`));
      return out;
    }
    case 'number':
    case 'integer':
      return numberViolations(schema, value, path);
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
    case 'string': {
      if (typeof value !== 'string') return [`${path}: expected a string`];
      const n = [...value].length;
      if (n > (num(schema.maxLength) ?? Number.POSITIVE_INFINITY)) return [`${path}: longer than ${String(schema.maxLength)}`];
      if (n < (num(schema.minLength) ?? 0)) return [`${path}: shorter than ${String(schema.minLength)}`];
      return [];
    }
    default:
      return [];
  }
}

function objectViolations(schema: JsonSchema, value: unknown, path: string): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
  const obj = value as Record<string, unknown>;
  const out: string[] = [];
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const r of required) if (typeof r === 'string' && !(r in obj)) out.push(`${path}.${r}: required`);
  for (const [k, s] of Object.entries(asSchema(schema.properties))) {
    if (k in obj) out.push(...schemaViolations(asSchema(s), obj[k], `${path}.${k}`));
  }
  return out;
}

function numberViolations(schema: JsonSchema, value: unknown, path: string): string[] {
  if (typeof value !== 'number' || !Number.isFinite(value)) return [`${path}: expected a number`];
  if (schema.type === 'integer' && !Number.isInteger(value)) return [`${path}: expected an integer`];
  if (value < (num(schema.minimum) ?? Number.NEGATIVE_INFINITY)) return [`${path}: below ${String(schema.minimum)}`];
  if (value > (num(schema.maximum) ?? Number.POSITIVE_INFINITY)) return [`${path}: above ${String(schema.maximum)}`];
  return [];
}

/**
 * `value` (valid for `schema`) made invalid, as a misbehaving model would answer: the
 * first required property dropped, else the first property given the wrong type, else
 * a value of the wrong type altogether.
 */
export function breakValue(schema: JsonSchema, value: unknown): unknown {
  if (typeOf(schema) === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = { ...(value as Record<string, unknown>) };
    const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
    const first = required[0] ?? Object.keys(asSchema(schema.properties))[0];
    if (first !== undefined) {
      if (required.length > 0) delete obj[first];
      else obj[first] = { unexpected: true };
      return obj;
    }
  }
  return typeOf(schema) === 'string' ? 42 : 'not what the schema asks for';
}
