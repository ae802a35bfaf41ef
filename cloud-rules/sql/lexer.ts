import { PulsepetError } from '../../protocol/errors';

export type TokenKind = 'ident' | 'keyword' | 'number' | 'string' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** keywords are upper-cased; strings are unescaped; ops are their text */
  value: string;
  /** for strings: the quote character used */
  quote?: "'" | '"';
  pos: number;
}

/** Reserved words of the supported subset (case-insensitive). `VALUE` is contextual (after SELECT). */
export const KEYWORDS = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'AS',
  'AND',
  'OR',
  'NOT',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'TRUE',
  'FALSE',
  'NULL',
]);

const OPS = ['<>', '<=', '>=', '!=', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', '[', ']', '{', '}', ':'];

/** Builds a PP_ERR_SQL error whose message names the line, column and offset of the problem. */
export function sqlError(source: string, pos: number, message: string): PulsepetError {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < source.length; i++) {
    if (source[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return new PulsepetError('PP_ERR_SQL', `${message} at line ${line}, column ${col} (offset ${pos})`, {
    details: { position: pos, line, column: col },
  });
}

/** Splits IoT SQL into tokens; string literals use single or double quotes with backslash escapes. */
export function tokenize(source: string, offset = 0): Token[] {
  const out: Token[] = [];
  let i = offset;
  const end = source.length;
  while (i < end) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < end && /[A-Za-z0-9_]/.test(source[j] as string)) j++;
      const word = source.slice(i, j);
      const upper = word.toUpperCase();
      out.push(KEYWORDS.has(upper) ? { kind: 'keyword', value: upper, pos: i } : { kind: 'ident', value: word, pos: i });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(source.slice(i));
      const text = m ? m[0] : c;
      if (/[A-Za-z_]/.test(source[i + text.length] ?? '')) throw sqlError(source, i, `malformed number`);
      out.push({ kind: 'number', value: text, pos: i });
      i += text.length;
      continue;
    }
    if (c === "'" || c === '"') {
      const { value, next } = readString(source, i, c);
      out.push({ kind: 'string', value, quote: c, pos: i });
      i = next;
      continue;
    }
    const op = OPS.find((o) => source.startsWith(o, i));
    if (op === undefined) throw sqlError(source, i, `unexpected character ${JSON.stringify(c)}`);
    if (op === '!=') throw sqlError(source, i, `operator != is not IoT SQL; use <>`);
    out.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  out.push({ kind: 'eof', value: '', pos: end });
  return out;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '/': '/', '\\': '\\' };

function readString(source: string, start: number, quote: "'" | '"'): { value: string; next: number } {
  let i = start + 1;
  let value = '';
  while (i < source.length) {
    const c = source[i] as string;
    if (c === quote) return { value, next: i + 1 };
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) break;
      if (n === "'" || n === '"') value += n;
      else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
        value += String.fromCharCode(Number.parseInt(source.slice(i + 2, i + 6), 16));
        i += 4;
      } else if (ESCAPES[n] !== undefined) value += ESCAPES[n];
      else throw sqlError(source, i, `unknown escape \\${n} in string literal`);
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  throw sqlError(source, start, 'unterminated string literal');
}
