import { unsupportedSql, validationError } from './errors';
import { durationNs, RESERVED, type Token, tokenize, UNSUPPORTED_KEYWORDS } from './query-lexer';
import { checkQueryDepth, checkQueryLength, MAX_QUERY_DEPTH, queryTooDeep } from './query-limits';

/**
 * A parser for the subset of Timestream SQL the project uses
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/supported-sql-constructs.html):
 * one SELECT over one `"db"."table"`, scalar/aggregate expressions, duration literals
 * (`15m`), WHERE, GROUP BY, HAVING, ORDER BY, LIMIT/OFFSET. Anything else raises a
 * ValidationException (PP_ERR_SQL) naming the construct.
 */

export type Expr =
  | { k: 'col'; name: string; qualifier?: string; pos: number }
  | { k: 'str'; v: string }
  | { k: 'num'; raw: string; int: boolean }
  | { k: 'dur'; ns: bigint; raw: string }
  | { k: 'bool'; v: boolean }
  | { k: 'null' }
  | { k: 'star' }
  | { k: 'call'; name: string; args: Expr[]; star: boolean; distinct: boolean; pos: number }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'neg'; e: Expr }
  | { k: 'between'; e: Expr; lo: Expr; hi: Expr; not: boolean }
  | { k: 'in'; e: Expr; list: Expr[]; not: boolean }
  | { k: 'isnull'; e: Expr; not: boolean }
  | { k: 'like'; e: Expr; pattern: Expr; not: boolean }
  | { k: 'cast'; e: Expr; to: string };

export interface SelectItem {
  expr: Expr;
  alias?: string;
}

export interface OrderItem {
  expr: Expr;
  desc: boolean;
  nullsFirst?: boolean;
}

export interface SelectStatement {
  distinct: boolean;
  items: SelectItem[];
  from: { database: string; table: string; alias?: string };
  where?: Expr;
  groupBy: Expr[];
  having?: Expr;
  orderBy: OrderItem[];
  limit?: number;
  offset?: number;
}

class Parser {
  private i = 0;
  /** nesting of the recursive descent: parentheses, NOT, unary minus (see {@link nested}) */
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  /** Parses one level deeper; past MAX_QUERY_DEPTH the query is refused instead of recursing further. */
  private nested(parse: () => Expr): Expr {
    if (this.depth >= MAX_QUERY_DEPTH) throw queryTooDeep(this.peek().pos);
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private peek(o = 0): Token {
    return this.toks[Math.min(this.i + o, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  private isKw(word: string, o = 0): boolean {
    const t = this.peek(o);
    return t.kind === 'ident' && t.text.toUpperCase() === word;
  }
  private acceptKw(word: string): boolean {
    if (this.isKw(word)) {
      this.i++;
      return true;
    }
    return false;
  }
  private expectKw(word: string): void {
    if (!this.acceptKw(word)) this.fail(`expected ${word}`);
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === op;
  }
  private acceptOp(op: string): boolean {
    if (this.isOp(op)) {
      this.i++;
      return true;
    }
    return false;
  }
  private expectOp(op: string): void {
    if (!this.acceptOp(op)) this.fail(`expected '${op}'`);
  }
  private fail(what: string): never {
    const t = this.peek();
    this.checkUnsupported(t);
    throw validationError(`line 1:${t.pos + 1}: mismatched input '${t.text || '<EOF>'}': ${what}`);
  }
  private checkUnsupported(t: Token): void {
    if (t.kind !== 'ident') return;
    const u = UNSUPPORTED_KEYWORDS[t.text.toUpperCase()];
    if (u) throw unsupportedSql(u);
  }

  parseStatement(): SelectStatement {
    this.checkUnsupported(this.peek());
    this.expectKw('SELECT');
    const distinct = this.acceptKw('DISTINCT');
    this.acceptKw('ALL');
    const items: SelectItem[] = [];
    do {
      if (this.acceptOp('*')) {
        items.push({ expr: { k: 'star' } });
        continue;
      }
      const expr = this.parseExpr();
      let alias: string | undefined;
      if (this.acceptKw('AS')) alias = this.identifier();
      else if (this.peek().kind === 'qident' || (this.peek().kind === 'ident' && !RESERVED.has(this.peek().text.toUpperCase()))) {
        alias = this.identifier();
      }
      items.push(alias === undefined ? { expr } : { expr, alias });
    } while (this.acceptOp(','));
    this.expectKw('FROM');
    if (this.isOp('(')) throw unsupportedSql('Subqueries in FROM');
    const first = this.identifier();
    if (!this.acceptOp('.')) throw validationError(`line 1: table '${first}' must be qualified with its database ("db"."table")`);
    const from: SelectStatement['from'] = { database: first, table: this.identifier() };
    if (this.acceptKw('AS')) from.alias = this.identifier();
    else if (this.peek().kind === 'qident' || (this.peek().kind === 'ident' && !RESERVED.has(this.peek().text.toUpperCase()))) {
      from.alias = this.identifier();
    }
    if (this.isOp(',') || ['JOIN', 'LEFT', 'RIGHT', 'INNER', 'CROSS', 'FULL'].some((k) => this.isKw(k))) {
      throw unsupportedSql('JOIN');
    }
    const stmt: SelectStatement = { distinct, items, from, groupBy: [], orderBy: [] };
    if (this.acceptKw('WHERE')) stmt.where = this.parseExpr();
    if (this.acceptKw('GROUP')) {
      this.expectKw('BY');
      do stmt.groupBy.push(this.parseExpr());
      while (this.acceptOp(','));
    }
    if (this.acceptKw('HAVING')) stmt.having = this.parseExpr();
    if (this.acceptKw('ORDER')) {
      this.expectKw('BY');
      do {
        const expr = this.parseExpr();
        const desc = this.acceptKw('DESC');
        if (!desc) this.acceptKw('ASC');
        const item: OrderItem = { expr, desc };
        if (this.acceptKw('NULLS')) {
          if (this.acceptKw('FIRST')) item.nullsFirst = true;
          else {
            this.expectKw('LAST');
            item.nullsFirst = false;
          }
        }
        stmt.orderBy.push(item);
      } while (this.acceptOp(','));
    }
    if (this.acceptKw('OFFSET')) stmt.offset = this.integer('OFFSET');
    if (this.acceptKw('LIMIT')) stmt.limit = this.integer('LIMIT');
    if (stmt.offset === undefined && this.acceptKw('OFFSET')) stmt.offset = this.integer('OFFSET');
    this.acceptOp(';');
    if (this.peek().kind !== 'eof') this.fail('expected end of query');
    for (const e of expressionsOf(stmt)) checkQueryDepth(e);
    return stmt;
  }

  private integer(what: string): number {
    const t = this.next();
    if (t.kind !== 'num' || !/^\d+$/.test(t.text)) throw validationError(`line 1:${t.pos + 1}: ${what} must be an integer`);
    return Number(t.text);
  }

  private identifier(): string {
    const t = this.next();
    if (t.kind === 'qident') return t.text;
    if (t.kind === 'ident' && !RESERVED.has(t.text.toUpperCase())) return t.text;
    this.i--;
    this.fail('expected an identifier');
  }

  parseExpr(): Expr {
    return this.nested(() => this.parseOr());
  }
  private parseOr(): Expr {
    let l = this.parseAnd();
    while (this.acceptKw('OR')) l = { k: 'bin', op: 'OR', l, r: this.parseAnd() };
    return l;
  }
  private parseAnd(): Expr {
    let l = this.parseNot();
    while (this.acceptKw('AND')) l = { k: 'bin', op: 'AND', l, r: this.parseNot() };
    return l;
  }
  private parseNot(): Expr {
    if (this.acceptKw('NOT')) return { k: 'not', e: this.nested(() => this.parseNot()) };
    return this.parsePredicate();
  }
  private parsePredicate(): Expr {
    const e = this.parseAdditive();
    const t = this.peek();
    if (t.kind === 'op' && ['=', '<>', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      this.i++;
      return { k: 'bin', op: t.text === '!=' ? '<>' : t.text, l: e, r: this.parseAdditive() };
    }
    if (this.acceptKw('IS')) {
      const not = this.acceptKw('NOT');
      this.expectKw('NULL');
      return { k: 'isnull', e, not };
    }
    const not = this.isKw('NOT') && (this.isKw('BETWEEN', 1) || this.isKw('IN', 1) || this.isKw('LIKE', 1));
    if (not) this.i++;
    if (this.acceptKw('BETWEEN')) {
      const lo = this.parseAdditive();
      this.expectKw('AND');
      return { k: 'between', e, lo, hi: this.parseAdditive(), not };
    }
    if (this.acceptKw('IN')) {
      this.expectOp('(');
      if (this.isKw('SELECT')) throw unsupportedSql('Subqueries (IN (SELECT …))');
      const list: Expr[] = [];
      do list.push(this.parseAdditive());
      while (this.acceptOp(','));
      this.expectOp(')');
      return { k: 'in', e, list, not };
    }
    if (this.acceptKw('LIKE')) return { k: 'like', e, pattern: this.parseAdditive(), not };
    return e;
  }
  private parseAdditive(): Expr {
    let l = this.parseMul();
    for (;;) {
      if (this.acceptOp('+')) l = { k: 'bin', op: '+', l, r: this.parseMul() };
      else if (this.acceptOp('-')) l = { k: 'bin', op: '-', l, r: this.parseMul() };
      else if (this.acceptOp('||')) throw unsupportedSql("String concatenation '||'");
      else return l;
    }
  }
  private parseMul(): Expr {
    let l = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.kind === 'op' && (t.text === '*' || t.text === '/' || t.text === '%')) {
        this.i++;
        l = { k: 'bin', op: t.text, l, r: this.parseUnary() };
      } else return l;
    }
  }
  private parseUnary(): Expr {
    if (this.acceptOp('-')) return { k: 'neg', e: this.nested(() => this.parseUnary()) };
    this.acceptOp('+');
    return this.parsePrimary();
  }
  private parsePrimary(): Expr {
    const t = this.next();
    switch (t.kind) {
      case 'num':
        return { k: 'num', raw: t.text, int: /^\d+$/.test(t.text) };
      case 'dur':
        return { k: 'dur', ns: durationNs(t.text), raw: t.text };
      case 'str':
        return { k: 'str', v: t.text };
      case 'qident':
        return this.columnRest(t.text, t.pos);
      case 'op':
        if (t.text === '(') {
          if (this.isKw('SELECT')) throw unsupportedSql('Subqueries');
          const e = this.parseExpr();
          this.expectOp(')');
          return e;
        }
        break;
      case 'ident': {
        const up = t.text.toUpperCase();
        this.checkUnsupported(t);
        if (up === 'CAST' && this.isOp('(')) {
          this.i++;
          const e = this.parseExpr();
          this.expectKw('AS');
          const to = this.next();
          if (to.kind !== 'ident') this.fail('expected a type name');
          this.expectOp(')');
          return { k: 'cast', e, to: to.text.toLowerCase() };
        }
        if (up === 'TRUE' || up === 'FALSE') return { k: 'bool', v: up === 'TRUE' };
        if (up === 'NULL') return { k: 'null' };
        if (this.isOp('(')) return this.call(t);
        if (RESERVED.has(up)) break;
        return this.columnRest(t.text, t.pos);
      }
      default:
        break;
    }
    this.i--;
    this.fail('expected an expression');
  }
  private columnRest(name: string, pos: number): Expr {
    if (this.acceptOp('::')) {
      // measure_value::double — Timestream's single-measure value columns
      const type = this.next();
      if (name.toLowerCase() !== 'measure_value' || type.kind !== 'ident') throw unsupportedSql("The '::' cast operator");
      return { k: 'col', name: `measure_value::${type.text.toLowerCase()}`, pos };
    }
    if (this.acceptOp('.')) {
      const col = this.identifier();
      return { k: 'col', name: col, qualifier: name, pos };
    }
    return { k: 'col', name, pos };
  }
  private call(t: Token): Expr {
    this.expectOp('(');
    const name = t.text.toLowerCase();
    if (this.acceptOp('*')) {
      this.expectOp(')');
      return { k: 'call', name, args: [], star: true, distinct: false, pos: t.pos };
    }
    const distinct = this.acceptKw('DISTINCT');
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      do args.push(this.parseExpr());
      while (this.acceptOp(','));
    }
    this.expectOp(')');
    if (this.isKw('OVER')) throw unsupportedSql('Window functions (OVER)');
    return { k: 'call', name, args, star: false, distinct, pos: t.pos };
  }
}

/** Every expression of a statement (select list, WHERE, GROUP BY, HAVING, ORDER BY). */
function expressionsOf(stmt: SelectStatement): Expr[] {
  const out = stmt.items.map((i) => i.expr);
  if (stmt.where !== undefined) out.push(stmt.where);
  out.push(...stmt.groupBy);
  if (stmt.having !== undefined) out.push(stmt.having);
  for (const o of stmt.orderBy) out.push(o.expr);
  return out;
}

/**
 * Parses one statement of the supported subset (throws TimestreamError
 * ValidationException, also for a query longer or nested deeper than query-limits allows).
 */
export function parseTimestreamSql(sql: string): SelectStatement {
  if (sql.trim().length === 0) throw validationError('QueryString must not be empty.');
  checkQueryLength(sql);
  return new Parser(tokenize(sql)).parseStatement();
}
