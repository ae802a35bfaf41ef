/**
 * IAM-style string patterns with policy variables, compiled once per connection.
 *
 * - `*` matches any run of characters (including `/` and `:`), `?` exactly one
 *   (IAM "Resource" and "StringLike" wildcards; IoT follows IAM:
 *   https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-variables.html).
 * - `+` and `#` are literal characters: "The characters + and # are treated as
 *   literal strings in a policy" (same page).
 * - `${*}`, `${?}`, `${$}` stand for the literal characters `*`, `?`, `$`.
 * - Other `${name}` references are replaced by the connection's value, which is
 *   always literal (a client id containing `*` is not a wildcard). A reference
 *   that cannot be resolved makes the pattern unusable (`undefined`): the entry
 *   then matches nothing, as AWS documents for unresolved thing variables ("this
 *   variable won't be resolved and will result in an access denied error",
 *   https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-examples.html).
 *
 * Matching is a linear two-pointer glob (no RegExp), so a hostile pattern such as
 * `*a*a*a*b` cannot make the broker backtrack exponentially on every publish.
 */

const LIT = 0;
const STAR = 1;
const ONE = 2;

/** A compiled pattern; `kind` tells which fast path applies. */
export type CompiledPattern =
  | { kind: 'any' }
  | { kind: 'exact'; text: string }
  | { kind: 'prefix'; text: string }
  /** `first*m1*m2*...*last` without `?`: matched with native indexOf, leftmost-first (correct for `*`-only globs) */
  | { kind: 'segments'; first: string; middle: string[]; last: string; minLength: number }
  | { kind: 'glob'; chars: string; types: Uint8Array };

/** Resolves a variable name (without `${}`) to its value, or undefined if unknown/unresolvable. */
export type VariableResolver = (name: string) => string | undefined;

const SPECIAL: Record<string, string> = { '*': '*', '?': '?', $: '$' };

function resolve(name: string, resolver: VariableResolver): string | undefined {
  const trimmed = name.trim();
  const special = SPECIAL[trimmed];
  if (special !== undefined) return special;
  // IAM default values: ${aws:username, 'default'}.
  const comma = trimmed.indexOf(',');
  if (comma >= 0) {
    const key = trimmed.slice(0, comma).trim();
    const def = /^'(.*)'$/.exec(trimmed.slice(comma + 1).trim());
    return resolver(key) ?? def?.[1];
  }
  return resolver(trimmed);
}

/**
 * Substitutes variables in a template; wildcards stay as-is. Returns the literal
 * characters and a parallel type array, or undefined when a variable is unresolved.
 */
function tokenize(template: string, resolver: VariableResolver): { chars: string; types: number[] } | undefined {
  let chars = '';
  const types: number[] = [];
  for (let i = 0; i < template.length; ) {
    const c = template[i] as string;
    if (c === '$' && template[i + 1] === '{') {
      const end = template.indexOf('}', i + 2);
      if (end < 0) return undefined;
      const value = resolve(template.slice(i + 2, end), resolver);
      if (value === undefined) return undefined;
      chars += value;
      for (let k = 0; k < value.length; k++) types.push(LIT);
      i = end + 1;
      continue;
    }
    chars += c;
    types.push(c === '*' ? STAR : c === '?' ? ONE : LIT);
    i++;
  }
  return { chars, types };
}

/** Compiles a Resource / StringLike template for one connection; undefined if a variable is unresolved. */
export function compilePattern(template: string, resolver: VariableResolver): CompiledPattern | undefined {
  const t = tokenize(template, resolver);
  if (t === undefined) return undefined;
  const { chars, types } = t;
  const firstWild = types.findIndex((x) => x !== LIT);
  if (firstWild < 0) return { kind: 'exact', text: chars };
  if (firstWild === 0 && types.length === 1 && types[0] === STAR) return { kind: 'any' };
  if (firstWild === types.length - 1 && types[firstWild] === STAR) return { kind: 'prefix', text: chars.slice(0, -1) };
  if (!types.includes(ONE)) {
    // e.g. arn:aws:iot:*:*:topic/dt/pulsepet/pet-1/* (region/account wildcards)
    const parts: string[] = [];
    let current = '';
    for (let i = 0; i < types.length; i++) {
      if (types[i] === STAR) {
        parts.push(current);
        current = '';
      } else {
        current += chars[i];
      }
    }
    parts.push(current);
    const first = parts.shift() as string;
    const last = parts.pop() as string;
    const middle = parts.filter((m) => m !== '');
    const minLength = first.length + last.length + middle.reduce((n, m) => n + m.length, 0);
    return { kind: 'segments', first, middle, last, minLength };
  }
  return { kind: 'glob', chars, types: Uint8Array.from(types) };
}

/** Substitutes variables and returns the literal string (for StringEquals); undefined if unresolved. */
export function substituteLiteral(template: string, resolver: VariableResolver): string | undefined {
  let out = '';
  for (let i = 0; i < template.length; ) {
    if (template[i] === '$' && template[i + 1] === '{') {
      const end = template.indexOf('}', i + 2);
      if (end < 0) return undefined;
      const value = resolve(template.slice(i + 2, end), resolver);
      if (value === undefined) return undefined;
      out += value;
      i = end + 1;
    } else {
      out += template[i];
      i++;
    }
  }
  return out;
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Two-pointer glob match, O(n·m) worst case; `?` consumes one code point. */
function globMatch(chars: string, types: Uint8Array, s: string): boolean {
  const n = types.length;
  let pi = 0;
  let si = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const t = pi < n ? types[pi] : -1;
    if (t === ONE) {
      si += isHigh(s.charCodeAt(si)) && isLow(s.charCodeAt(si + 1)) ? 2 : 1;
      pi++;
    } else if (t === LIT && chars.charCodeAt(pi) === s.charCodeAt(si)) {
      pi++;
      si++;
    } else if (t === STAR) {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < n && types[pi] === STAR) pi++;
  return pi === n;
}

function segmentsMatch(p: { first: string; middle: string[]; last: string; minLength: number }, s: string): boolean {
  if (s.length < p.minLength || !s.startsWith(p.first) || !s.endsWith(p.last)) return false;
  let pos = p.first.length;
  const end = s.length - p.last.length;
  for (const m of p.middle) {
    const at = s.indexOf(m, pos);
    if (at < 0 || at + m.length > end) return false;
    pos = at + m.length;
  }
  return true;
}

/** True if `s` matches the compiled pattern. */
export function matchPattern(p: CompiledPattern, s: string): boolean {
  switch (p.kind) {
    case 'any':
      return true;
    case 'exact':
      return s === p.text;
    case 'prefix':
      return s.startsWith(p.text);
    case 'segments':
      return segmentsMatch(p, s);
    case 'glob':
      return globMatch(p.chars, p.types, s);
  }
}
