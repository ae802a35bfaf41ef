import { validationError } from './errors';

/**
 * Tokens of the Timestream SQL subset: identifiers, "quoted identifiers", 'strings',
 * numbers and duration literals (`15m`, `1d`, `250ms` —
 * https://docs.aws.amazon.com/timestream/latest/developerguide/date-time-functions.html).
 */

export type TokKind = 'ident' | 'qident' | 'str' | 'num' | 'dur' | 'op' | 'eof';
export interface Token {
  kind: TokKind;
  text: string;
  pos: number;
}

const DURATION_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};

export const UNSUPPORTED_KEYWORDS: Record<string, string> = {
  WITH: 'WITH (common table expressions)',
  JOIN: 'JOIN',
  UNION: 'UNION',
  INTERSECT: 'INTERSECT',
  EXCEPT: 'EXCEPT',
  CASE: 'CASE expressions',
  OVER: 'Window functions (OVER)',
  TRY_CAST: 'TRY_CAST',
  INTERVAL: 'INTERVAL literals (use duration literals such as 15m)',
  EXISTS: 'EXISTS subqueries',
  UNNEST: 'UNNEST',
  INSERT: 'INSERT',
  UPDATE: 'UPDATE',
  DELETE: 'DELETE',
  CREATE: 'CREATE',
  DROP: 'DROP',
  SHOW: 'SHOW',
  DESCRIBE: 'DESCRIBE',
};

export const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'HAVING', 'ORDER', 'LIMIT', 'OFFSET', 'AND', 'OR', 'NOT', 'AS', 'ASC',
  'DESC', 'BETWEEN', 'IN', 'IS', 'NULL', 'LIKE', 'NULLS', 'FIRST', 'LAST', 'DISTINCT', 'ON', 'LEFT', 'RIGHT',
  'INNER', 'OUTER', 'CROSS', 'FULL', 'CAST', ...Object.keys(UNSUPPORTED_KEYWORDS),
]); // prettier-ignore

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= sql.length) throw validationError(`line 1:${start + 1}: unterminated ${c === "'" ? 'string' : 'identifier'}`);
        if (sql[i] === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += sql[i];
        i++;
      }
      out.push({ kind: c === "'" ? 'str' : 'qident', text, pos: start });
      continue;
    }
    const num = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h|d)?(?![A-Za-z0-9_])|^(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(
      sql.slice(i),
    );
    if (num) {
      if (num[2] !== undefined) out.push({ kind: 'dur', text: num[0], pos: start });
      else out.push({ kind: 'num', text: num[0], pos: start });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i));
    if (id) {
      out.push({ kind: 'ident', text: id[0], pos: start });
      i += id[0].length;
      continue;
    }
    const op = /^(<>|!=|<=|>=|::|\|\||[(),.*+\-/%=<>;])/.exec(sql.slice(i));
    if (!op) throw validationError(`line 1:${start + 1}: unexpected character '${c}'`);
    out.push({ kind: 'op', text: op[0], pos: start });
    i += op[0].length;
  }
  out.push({ kind: 'eof', text: '', pos: sql.length });
  return out;
}

export function durationNs(raw: string): bigint {
  const m = /^(\d+)(?:\.(\d+))?(ns|us|ms|s|m|h|d)$/.exec(raw);
  if (!m) throw validationError(`invalid duration literal '${raw}'`);
  const unit = DURATION_NS[m[3]!]!;
  const frac = m[2] ?? '';
  // fractional durations (1.5h) are exact in ns for every unit but ns itself
  return BigInt(m[1]!) * unit + (frac === '' ? 0n : (BigInt(frac) * unit) / 10n ** BigInt(frac.length));
}

