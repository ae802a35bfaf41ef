import type { Expr } from './query-parser';

/**
 * What every row a query reads must satisfy, as far as its WHERE clause's top-level ANDs
 * say: dimensions equal to literals, and bounds on `time`. The store answers a query whose
 * scope no stored row can be in without scanning the table (dimension-ranges.ts), as
 * Timestream prunes by partition and time; the result is the query's over no rows, so an
 * aggregate still returns its one row.
 */
export interface QueryScope {
  /** dimension name → the value it must equal */
  equals: Array<[string, string]>;
  /** inclusive bounds on `time`, epoch ns */
  minNs?: bigint;
  maxNs?: bigint;
}

export interface ScopeResolver {
  /** the dimension a column reference denotes, or undefined (a measure, an alias, `time`) */
  dimension(e: Extract<Expr, { k: 'col' }>): string | undefined;
  /** true when the expression is the `time` column */
  isTime(e: Expr): boolean;
  /** a constant timestamp's value (a literal, `ago(…)`, `now()`, `from_iso8601_timestamp('…')`), or undefined */
  timestamp(e: Expr): bigint | undefined;
}

const FLIP: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '=': '=' };

function conjuncts(e: Expr, out: Expr[]): Expr[] {
  if (e.k === 'bin' && e.op === 'AND') {
    conjuncts(e.l, out);
    conjuncts(e.r, out);
  } else out.push(e);
  return out;
}

class ScopeBuilder {
  readonly equals: Array<[string, string]> = [];
  minNs: bigint | undefined;
  maxNs: bigint | undefined;

  constructor(private readonly r: ScopeResolver) {}

  add(c: Expr): void {
    if (c.k === 'between' && !c.not && this.r.isTime(c.e)) {
      this.bound('>=', this.r.timestamp(c.lo));
      this.bound('<=', this.r.timestamp(c.hi));
      return;
    }
    if (c.k !== 'bin' || FLIP[c.op] === undefined) return;
    if (c.op === '=' && this.equality(c.l, c.r)) return;
    if (c.op === '=' && this.equality(c.r, c.l)) return;
    if (this.r.isTime(c.l)) this.bound(c.op, this.r.timestamp(c.r));
    else if (this.r.isTime(c.r)) this.bound(FLIP[c.op] as string, this.r.timestamp(c.l));
  }

  private equality(col: Expr, lit: Expr): boolean {
    if (col.k !== 'col' || lit.k !== 'str') return false;
    const name = this.r.dimension(col);
    if (name === undefined) return false;
    this.equals.push([name, lit.v]);
    return true;
  }

  /** `time op ns` */
  private bound(op: string, ns: bigint | undefined): void {
    if (ns === undefined) return;
    const lo = op === '>' ? ns + 1n : op === '>=' || op === '=' ? ns : undefined;
    const hi = op === '<' ? ns - 1n : op === '<=' || op === '=' ? ns : undefined;
    if (lo !== undefined && (this.minNs === undefined || lo > this.minNs)) this.minNs = lo;
    if (hi !== undefined && (this.maxNs === undefined || hi < this.maxNs)) this.maxNs = hi;
  }
}

/**
 * The scope of a WHERE clause: only its top-level AND terms count (an OR or NOT says
 * nothing every row must satisfy), and a term that cannot be read statically is ignored,
 * so the scope is always a superset of the rows the query reads. Undefined when nothing
 * narrows it.
 */
export function whereScope(where: Expr | undefined, r: ScopeResolver): QueryScope | undefined {
  if (where === undefined) return undefined;
  const b = new ScopeBuilder(r);
  for (const c of conjuncts(where, [])) b.add(c);
  if (b.equals.length === 0 && b.minNs === undefined && b.maxNs === undefined) return undefined;
  return { equals: b.equals, ...(b.minNs === undefined ? {} : { minNs: b.minNs }), ...(b.maxNs === undefined ? {} : { maxNs: b.maxNs }) };
}
