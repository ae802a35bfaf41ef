import fc from 'fast-check';

/**
 * Generators for property tests that compare a hand-written validator with the zod
 * schema it stands in for: take a valid value and break it in the ways a wire payload
 * breaks (a wrong type, a number just out of range, NaN or ±Infinity, a key missing or
 * unknown, an array past its limit, junk nested where an object belongs).
 */

/** Values of every JSON kind plus the ones only a direct caller can pass (NaN, ±Infinity, -0, undefined). */
export const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    true,
    false,
    0,
    -0,
    -1,
    1,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.MAX_SAFE_INTEGER + 1,
    1e308,
    -1e308,
    Number.MIN_VALUE,
    '',
    ' ',
    '1',
    'NaN',
    '\u0000',
    'x'.repeat(300),
    [],
    {},
    [[]],
    { a: { b: [{}] } },
  ),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 10 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Key names a payload should not carry, including ones that are special in JavaScript. */
const strayKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'stray'), fc.string({ maxLength: 6 }));

/** One way to break a value at one place in it; `at` picks the place among all places. */
export type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'nudge'; at: number; by: number }
  | { op: 'delete'; at: number }
  | { op: 'add-key'; at: number; key: string; value: unknown }
  | { op: 'grow'; at: number; length: number };

/** `grow` lengths: just past the usual limits (100, 128, 256, 600), and one large array. */
const GROW_LENGTHS = [2, 101, 129, 257, 601, 5000];
/** values one `grow` may add at most */
const GROW_BUDGET = 50_000;

/** How many values (leaves and containers) a JSON-like value holds. */
function valuesIn(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 1;
  let n = 1;
  for (const x of Array.isArray(v) ? v : Object.values(v)) n += valuesIn(x);
  return n;
}

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: junkValue }),
  fc.record({
    op: fc.constant('nudge' as const),
    at: fc.nat(),
    by: fc.constantFrom(1, -1, 0.5, -0.5, 1e-9, -1e-9, 1e6, -1e6, Number.NaN, Number.POSITIVE_INFINITY),
  }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('add-key' as const), at: fc.nat(), key: strayKey, value: junkValue }),
  fc.record({ op: fc.constant('grow' as const), at: fc.nat(), length: fc.constantFrom(...GROW_LENGTHS) }),
);

type Path = Array<string | number>;
type Container = Record<string, unknown> | unknown[];

const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;
const isRecord = (v: unknown): v is Record<string, unknown> => isContainer(v) && !Array.isArray(v);

/** Every place in `v` (root first), depth first; keys of objects, indexes of arrays. */
function placesOf(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) placesOf(v[i], [...path, i], out);
  else if (isRecord(v)) for (const k of Object.keys(v)) placesOf(v[k], [...path, k], out);
  return out;
}

/** Sets an own property even for `__proto__`, as JSON.parse does. */
function put(o: Container, key: string | number, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
}

function get(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function nudged(v: unknown, by: number): unknown {
  if (typeof v === 'number') return v + by;
  if (typeof v === 'string') return by > 0 ? `${v}${'x'.repeat(Math.min(300, Math.ceil(by)))}` : v.slice(1);
  return by;
}

/** A deep copy of a JSON-like value that keeps undefined, NaN, -0 and `__proto__` keys. */
export function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (!isRecord(v)) return v;
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) put(o, k, copy(v[k]));
  return o;
}

/** Applies `m` to a copy of `value` (the original is left as it was). */
export function applyMutation(value: unknown, m: Mutation): unknown {
  const root = copy(value);
  const places = placesOf(root);
  const path = places[m.at % places.length] ?? [];
  const target = get(root, path);
  const parent = path.length > 0 ? (get(root, path.slice(0, -1)) as Container) : undefined;
  const key = path[path.length - 1];
  const replace = (v: unknown): unknown => {
    if (parent === undefined || key === undefined) return v;
    put(parent, key, v);
    return root;
  };
  switch (m.op) {
    case 'replace':
      return replace(m.value);
    case 'nudge':
      return replace(nudged(target, m.by));
    case 'delete':
      if (parent === undefined || key === undefined) return undefined;
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      return root;
    case 'add-key':
      if (Array.isArray(target)) target.push(m.value);
      else if (isContainer(target)) put(target, m.key, m.value);
      else return replace({ [m.key]: m.value });
      return root;
    case 'grow': {
      // Grows nest (an array of 5,000 copies of an array of 5,000 …): each grow adds at most
      // GROW_BUDGET values, so a run of mutations stays far from the test worker's heap limit.
      const length = Math.min(m.length, Math.max(2, Math.floor(GROW_BUDGET / Math.max(1, valuesIn(target)))));
      if (!Array.isArray(target) || target.length === 0) return replace(Array.from({ length }, () => target));
      const each = valuesIn(target[target.length - 1]);
      const upTo = Math.min(m.length, target.length + Math.max(1, Math.floor(GROW_BUDGET / Math.max(1, each))));
      while (target.length < upTo) target.push(copy(target[target.length - 1]));
      return root;
    }
  }
}

/**
 * `valid` as it is about a fifth of the time, else broken by one to three mutations.
 * @example
 * fc.assert(fc.property(mutated(validBatch), (input) => expect(fast(input)).toEqual(schema.safeParse(input))));
 */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc
    .tuple(valid, fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) }))
    .map(([v, ms]) => ms.reduce<unknown>((acc, m) => applyMutation(acc, m), v));
}
