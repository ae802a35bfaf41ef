/**
 * Substitution templates: `${expression}` inside action fields, evaluated with
 * the same expression evaluator as SELECT/WHERE, against the ORIGINAL message
 * (aliases from the SELECT are not visible).
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-substitution-templates.html
 */
import { PulsepetError } from '../protocol/errors';
import type { Expr } from './sql/ast';
import { evaluate, type MessageEnv } from './sql/evaluator';
import { parseExpression } from './sql/parser';
import { toSqlString } from './sql/values';

type Part = { kind: 'text'; text: string } | { kind: 'expr'; expr: Expr; source: string };

/** A parsed template. */
export interface Template {
  readonly source: string;
  /** true when the template contains at least one `${...}` */
  readonly dynamic: boolean;
  /** Renders the template; an expression that is Undefined or Null renders as the empty string. */
  render(env: MessageEnv): string;
}

/** Finds the `}` that closes a `${` opened at `start`, skipping quoted strings and nested braces. */
function closingBrace(source: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/**
 * Parses a template. Throws PulsepetError `PP_ERR_SQL` (with the offset of the
 * problem inside the template) when an expression is outside the SQL subset.
 *
 * @example
 * compileTemplate('${topic()}/republish').render(env) // 'my/iot/topic/republish'
 */
export function compileTemplate(source: string): Template {
  const parts: Part[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('${', i);
    if (open < 0) {
      parts.push({ kind: 'text', text: source.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', text: source.slice(i, open) });
    const close = closingBrace(source, open + 2);
    if (close < 0) {
      throw new PulsepetError('PP_ERR_SQL', `unterminated substitution template at offset ${open} of ${JSON.stringify(source)}`, {
        details: { position: open },
      });
    }
    const exprSource = source.slice(open + 2, close);
    if (exprSource.trim() === '') {
      throw new PulsepetError('PP_ERR_SQL', `empty substitution template at offset ${open} of ${JSON.stringify(source)}`, {
        details: { position: open },
      });
    }
    parts.push({ kind: 'expr', expr: parseExpression(source, open + 2, close), source: exprSource });
    i = close + 1;
  }
  const dynamic = parts.some((p) => p.kind === 'expr');
  return {
    source,
    dynamic,
    render(env) {
      let out = '';
      for (const p of parts) {
        if (p.kind === 'text') out += p.text;
        else {
          const s = toSqlString(evaluate(p.expr, env));
          if (typeof s === 'string') out += s;
        }
      }
      return out;
    },
  };
}
