import type { BinaryOp, CastTarget, Expr, SelectItem, SelectStatement } from './ast';
import { isKnownFunction } from './functions';
import { sqlError, type Token, tokenize } from './lexer';
import { checkExprDepth, checkSqlLength, depthMessage, MAX_SQL_DEPTH } from './limits';
import { validateTopicFilter } from './topic-filter';

/** cast() type keywords (iot-sql-functions, cast: both tables for 2016-03-23). */
const CAST_TARGETS: Record<string, CastTarget> = {
  string: 'String',
  nvarchar: 'String',
  text: 'String',
  ntext: 'String',
  varchar: 'String',
  int: 'Int',
  integer: 'Int',
  double: 'Decimal',
  decimal: 'Decimal',
  bool: 'Boolean',
  boolean: 'Boolean',
};

const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);

class Parser {
  private i = 0;
  /** nesting of the recursive descent: parentheses, NOT, unary minus (see {@link nested}) */
  private depth = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private cur(): Token {
    return this.tokens[this.i] as Token;
  }

  private peek(n = 1): Token {
    return this.tokens[Math.min(this.i + n, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.cur();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private isOp(v: string): boolean {
    return this.cur().kind === 'op' && this.cur().value === v;
  }

  private isKeyword(v: string): boolean {
    return this.cur().kind === 'keyword' && this.cur().value === v;
  }

  private fail(message: string, t: Token = this.cur()): never {
    throw sqlError(this.source, t.pos, message);
  }

  /** Parses one level deeper; past MAX_SQL_DEPTH the query is refused instead of recursing further. */
  private nested(parse: () => Expr): Expr {
    if (this.depth >= MAX_SQL_DEPTH) this.fail(depthMessage());
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private describe(t: Token): string {
    if (t.kind === 'eof') return 'end of input';
    if (t.kind === 'string') return `string ${JSON.stringify(t.value)}`;
    return `${t.kind === 'op' ? '' : t.kind === 'ident' ? 'identifier ' : `${t.kind} `}${JSON.stringify(t.value)}`;
  }

  private expectOp(v: string): Token {
    if (!this.isOp(v)) this.fail(`expected "${v}" but found ${this.describe(this.cur())}`);
    return this.next();
  }

  private expectKeyword(v: string): Token {
    if (!this.isKeyword(v)) this.fail(`expected ${v} but found ${this.describe(this.cur())}`);
    return this.next();
  }

  statement(): SelectStatement {
    if (this.cur().kind !== 'keyword' || this.cur().value !== 'SELECT') this.fail('a rule query must start with SELECT');
    this.next();
    let value = false;
    if (this.cur().kind === 'ident' && this.cur().value.toUpperCase() === 'VALUE' && this.startsExpression(this.peek())) {
      value = true;
      this.next();
    }
    const items: SelectItem[] = [];
    do {
      items.push(this.selectItem(items.length));
    } while (this.isOp(',') && this.next());
    if (value && items.length !== 1) this.fail('SELECT VALUE takes exactly one expression', this.tokens[0]);
    this.expectKeyword('FROM');
    const from = this.cur();
    if (from.kind !== 'string') this.fail(`expected a quoted topic filter after FROM but found ${this.describe(from)}`);
    const problem = validateTopicFilter(from.value);
    if (problem !== undefined) this.fail(`invalid topic filter ${JSON.stringify(from.value)}: ${problem}`, from);
    this.next();
    let where: Expr | undefined;
    if (this.isKeyword('WHERE')) {
      this.next();
      where = this.expression();
    }
    if (this.cur().kind !== 'eof') this.fail(`unexpected ${this.describe(this.cur())}`);
    for (const item of items) if (item.kind === 'expr') checkExprDepth(item.expr, this.source);
    if (where !== undefined) checkExprDepth(where, this.source);
    return { value, items, topicFilter: from.value, where };
  }

  /** A lone expression (substitution templates); must consume all input. */
  lone(): Expr {
    const e = this.expression();
    if (this.cur().kind !== 'eof') this.fail(`unexpected ${this.describe(this.cur())}`);
    checkExprDepth(e, this.source);
    return e;
  }

  private startsExpression(t: Token): boolean {
    if (t.kind === 'ident' || t.kind === 'number' || t.kind === 'string') return true;
    if (t.kind === 'keyword') return ['CASE', 'TRUE', 'FALSE', 'NULL', 'NOT'].includes(t.value);
    return t.kind === 'op' && ['(', '[', '{', '-', '*'].includes(t.value);
  }

  private selectItem(index: number): SelectItem {
    const start = this.cur();
    if (this.isOp('*') && (this.peek().kind === 'eof' || this.peek().value === ',' || this.peek().value === 'FROM')) {
      this.next();
      return { kind: 'star', pos: start.pos };
    }
    const expr = this.expression();
    let key: string[];
    if (this.isKeyword('AS')) {
      this.next();
      key = this.alias();
    } else key = [defaultKey(expr, index)];
    return { kind: 'expr', expr, key, pos: start.pos };
  }

  /** `AS name` or `AS a.b` (nested output key, iot-sql-json example `AS bar.baz`). */
  private alias(): string[] {
    const t = this.cur();
    if (t.kind === 'string') {
      this.next();
      return [t.value];
    }
    if (t.kind !== 'ident' && t.kind !== 'keyword') this.fail(`expected an alias after AS but found ${this.describe(t)}`);
    const parts = [this.next().value];
    while (this.isOp('.')) {
      this.next();
      const p = this.cur();
      if (p.kind !== 'ident' && p.kind !== 'keyword') this.fail(`expected a name after "." but found ${this.describe(p)}`);
      parts.push(this.next().value);
    }
    return parts;
  }

  expression(): Expr {
    return this.nested(() => this.or());
  }

  private or(): Expr {
    let left = this.and();
    while (this.isKeyword('OR')) {
      const t = this.next();
      left = { type: 'binary', op: 'OR', left, right: this.and(), pos: t.pos };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isKeyword('AND')) {
      const t = this.next();
      left = { type: 'binary', op: 'AND', left, right: this.not(), pos: t.pos };
    }
    return left;
  }

  private not(): Expr {
    if (this.isKeyword('NOT')) {
      const t = this.next();
      return { type: 'unary', op: 'NOT', operand: this.nested(() => this.not()), pos: t.pos };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    let left = this.additive();
    while (this.cur().kind === 'op' && COMPARISONS.has(this.cur().value)) {
      const t = this.next();
      left = { type: 'binary', op: t.value as BinaryOp, left, right: this.additive(), pos: t.pos };
    }
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      left = { type: 'binary', op: t.value as BinaryOp, left, right: this.multiplicative(), pos: t.pos };
    }
    return left;
  }

  private multiplicative(): Expr {
    let left = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const t = this.next();
      left = { type: 'binary', op: t.value as BinaryOp, left, right: this.unary(), pos: t.pos };
    }
    return left;
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      const t = this.next();
      const operand = this.nested(() => this.unary());
      if (operand.type === 'literal' && typeof operand.value === 'number') {
        return { type: 'literal', value: -operand.value, pos: t.pos };
      }
      return { type: 'unary', op: '-', operand, pos: t.pos };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const n = this.cur();
        if (n.kind !== 'ident' && n.kind !== 'keyword') this.fail(`expected a key name after "." but found ${this.describe(n)}`);
        this.next();
        e = { type: 'member', object: e, name: n.value, pos: n.pos };
      } else if (this.isOp('[')) {
        this.fail('array subscripts are outside the supported subset; use get(array, index)');
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.cur();
    switch (t.kind) {
      case 'number':
        this.next();
        return { type: 'literal', value: Number(t.value), pos: t.pos };
      case 'string':
        this.next();
        return { type: 'literal', value: t.value, pos: t.pos };
      case 'keyword':
        if (t.value === 'TRUE' || t.value === 'FALSE' || t.value === 'NULL') {
          this.next();
          return { type: 'literal', value: t.value === 'NULL' ? null : t.value === 'TRUE', pos: t.pos };
        }
        if (t.value === 'CASE') return this.caseExpr();
        return this.fail(`expected an expression but found keyword ${t.value}`);
      case 'ident':
        this.next();
        if (this.isOp('(')) return this.call(t);
        return { type: 'field', name: t.value, pos: t.pos };
      case 'op':
        if (t.value === '(') {
          this.next();
          if (this.isKeyword('SELECT')) this.fail('nested object queries are outside the supported subset');
          const e = this.expression();
          this.expectOp(')');
          return e;
        }
        if (t.value === '{') return this.objectLiteral();
        // In operand position `*` is the whole payload, e.g. `SELECT VALUE *.messages`.
        if (t.value === '*') {
          this.next();
          return { type: 'star', pos: t.pos };
        }
        if (t.value === '[') return this.arrayLiteral();
        return this.fail(`expected an expression but found "${t.value}"`);
      default:
        return this.fail(`expected an expression but found ${this.describe(t)}`);
    }
  }

  private call(name: Token): Expr {
    const fn = name.value.toLowerCase();
    this.expectOp('(');
    if (fn === 'cast') {
      const expr = this.expression();
      this.expectKeyword('AS');
      const ty = this.cur();
      const target = ty.kind === 'ident' ? CAST_TARGETS[ty.value.toLowerCase()] : undefined;
      if (target === undefined) this.fail(`unknown cast type ${this.describe(ty)}`, ty);
      this.next();
      this.expectOp(')');
      return { type: 'cast', expr, to: target, pos: name.pos };
    }
    if (!isKnownFunction(fn)) this.fail(`function ${name.value}() is outside the supported subset`, name);
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do {
        const a = this.cur();
        if (this.isOp('*') && (this.peek().value === ',' || this.peek().value === ')')) {
          this.next();
          args.push({ type: 'star', pos: a.pos });
        } else args.push(this.expression());
      } while (this.isOp(',') && this.next());
    }
    this.expectOp(')');
    return { type: 'call', name: fn, args, pos: name.pos };
  }

  /** Simple CASE only (iot-sql-case): `CASE v WHEN t THEN r ... [ELSE e] END`. */
  private caseExpr(): Expr {
    const start = this.next();
    if (this.isKeyword('WHEN')) this.fail('searched CASE (CASE WHEN cond) is outside the supported subset; use CASE value WHEN');
    const subject = this.expression();
    const whens: Array<{ when: Expr; result: Expr }> = [];
    while (this.isKeyword('WHEN')) {
      this.next();
      const when = this.expression();
      this.expectKeyword('THEN');
      whens.push({ when, result: this.expression() });
    }
    if (whens.length === 0) this.fail('CASE requires at least one WHEN clause');
    let otherwise: Expr | undefined;
    if (this.isKeyword('ELSE')) {
      this.next();
      otherwise = this.expression();
    }
    this.expectKeyword('END');
    return { type: 'case', subject, whens, otherwise, pos: start.pos };
  }

  private objectLiteral(): Expr {
    const start = this.next();
    const entries: Array<{ key: string; value: Expr }> = [];
    if (!this.isOp('}')) {
      do {
        const k = this.cur();
        if (k.kind !== 'string' && k.kind !== 'ident') this.fail(`expected an object key but found ${this.describe(k)}`);
        this.next();
        this.expectOp(':');
        entries.push({ key: k.value, value: this.expression() });
      } while (this.isOp(',') && this.next());
    }
    this.expectOp('}');
    return { type: 'object', entries, pos: start.pos };
  }

  private arrayLiteral(): Expr {
    const start = this.next();
    const items: Expr[] = [];
    if (!this.isOp(']')) {
      do items.push(this.expression());
      while (this.isOp(',') && this.next());
    }
    this.expectOp(']');
    return { type: 'array', items, pos: start.pos };
  }
}

/** Output key of an unaliased SELECT item: the key name for paths, the function name for calls. */
function defaultKey(e: Expr, index: number): string {
  if (e.type === 'field' || e.type === 'member') return e.name;
  if (e.type === 'call') return e.name;
  return `_${index + 1}`;
}

/** Parses a full rule query. Throws PulsepetError PP_ERR_SQL with the position of the problem. */
export function parseStatement(sql: string): SelectStatement {
  checkSqlLength(sql.length);
  return new Parser(sql, tokenize(sql)).statement();
}

/**
 * Parses one expression found at `[start, end)` of `source` (a substitution
 * template); error positions are reported relative to `source`.
 */
export function parseExpression(source: string, start = 0, end = source.length): Expr {
  checkSqlLength(end - start);
  const tokens = tokenize(source.slice(0, end), start);
  return new Parser(source, tokens).lone();
}
