import type { DuckDBValue } from '@duckdb/node-api';
import type { TableMeta } from './catalog';
import { unsupportedSql, validationError } from './errors';
import { arity, CAST_TARGETS, DUCK_CAST, NUMERIC, type SqlType, type Typed } from './query-call';
import { translateScalarCall } from './query-functions';
import { timestampLiteral } from './query-time-functions';
import { type Expr, parseTimestreamSql, type SelectStatement } from './query-parser';
import { type QueryScope, whereScope } from './query-scope';

/**
 * Translates the supported Timestream SQL subset into DuckDB SQL over the store's wide
 * tables, with static types so ColumnInfo is right even for an empty result.
 * Timestamps are epoch nanoseconds (BIGINT) in DuckDB; `now()` is fixed once per query,
 * as Timestream evaluates it at query start
 * (https://docs.aws.amazon.com/timestream/latest/developerguide/date-time-functions.html).
 */

export type { SqlType } from './query-call';

export interface TranslatedQuery {
  sql: string;
  /**
   * The same query over none of the table's rows (for a scope no stored row is in); null
   * when that result is no rows, as for every query but an aggregate without GROUP BY.
   */
  emptySql: string | null;
  params: DuckDBValue[];
  columns: Array<{ name: string; type: SqlType }>;
  table: TableMeta;
  /** what every row the query reads must satisfy (query-scope.ts) */
  scope?: QueryScope;
}

const AGGREGATES = new Set([
  'avg', 'sum', 'min', 'max', 'count', 'approx_percentile', 'approx_distinct', 'stddev', 'stddev_samp',
  'stddev_pop', 'variance', 'var_samp', 'var_pop', 'max_by', 'min_by',
]); // prettier-ignore
class Translator {
  readonly params: DuckDBValue[] = [];
  private readonly aliases = new Map<string, Expr>();

  constructor(
    private readonly table: TableMeta,
    private readonly stmt: SelectStatement,
    private readonly nowNs: bigint,
  ) {}

  private param(v: string): string {
    this.params.push(v);
    return `$${this.params.length}`;
  }

  private column(name: string, qualifier: string | undefined): Typed {
    if (qualifier !== undefined && qualifier !== this.stmt.from.alias && qualifier !== this.table.name) {
      throw validationError(`Column '${qualifier}.${name}' cannot be resolved.`);
    }
    if (name === 'time') return { sql: 'time', type: 'TIMESTAMP', agg: false };
    if (name === 'measure_name') return { sql: 'measure_name', type: 'VARCHAR', agg: false };
    let col = this.table.columns.get(name);
    if (!col) {
      // unquoted identifiers are case-insensitive in Timestream's SQL engine
      const matches = [...this.table.columns.values()].filter((c) => c.name.toLowerCase() === name.toLowerCase());
      if (matches.length === 1) col = matches[0];
    }
    if (!col) throw validationError(`Column '${name}' does not exist in table ${this.table.database}.${this.table.name}.`);
    return { sql: col.internal, type: col.type, agg: false };
  }

  expr(e: Expr, ctx: { aggAllowed: boolean }): Typed {
    switch (e.k) {
      case 'col': {
        const alias = e.qualifier === undefined ? this.aliases.get(e.name) : undefined;
        if (alias && !this.hasColumn(e.name)) return this.expr(alias, ctx);
        return this.column(e.name, e.qualifier);
      }
      case 'str':
        return { sql: this.param(e.v), type: 'VARCHAR', agg: false };
      case 'num':
        return { sql: e.raw, type: e.int ? 'BIGINT' : 'DOUBLE', agg: false };
      case 'dur':
        return { sql: e.ns.toString(), type: 'INTERVAL', agg: false };
      case 'bool':
        return { sql: e.v ? 'TRUE' : 'FALSE', type: 'BOOLEAN', agg: false };
      case 'null':
        return { sql: 'NULL', type: 'UNKNOWN', agg: false };
      case 'star':
        throw validationError("'*' is only allowed alone in the select list.");
      case 'neg': {
        const x = this.expr(e.e, ctx);
        if (!NUMERIC(x.type)) throw validationError(`Cannot negate ${x.type.toLowerCase()}.`);
        return { sql: `(-${x.sql})`, type: x.type, agg: x.agg };
      }
      case 'not': {
        const x = this.bool(e.e, ctx);
        return { sql: `(NOT ${x.sql})`, type: 'BOOLEAN', agg: x.agg };
      }
      case 'isnull': {
        const x = this.expr(e.e, ctx);
        return { sql: `(${x.sql} IS ${e.not ? 'NOT ' : ''}NULL)`, type: 'BOOLEAN', agg: x.agg };
      }
      case 'like': {
        const x = this.expr(e.e, ctx);
        const p = this.expr(e.pattern, ctx);
        if (x.type !== 'VARCHAR' || p.type !== 'VARCHAR') throw validationError('LIKE applies to varchar only.');
        return { sql: `(${x.sql} ${e.not ? 'NOT ' : ''}LIKE ${p.sql})`, type: 'BOOLEAN', agg: x.agg || p.agg };
      }
      case 'cast': {
        // CAST between the scalar types the store keeps; timestamps only via the time functions
        const to = CAST_TARGETS[e.to];
        const x = this.expr(e.e, ctx);
        if (to === undefined) throw unsupportedSql(`CAST to ${e.to}`);
        if (x.type === 'TIMESTAMP' || x.type === 'INTERVAL') throw unsupportedSql(`CAST from ${x.type.toLowerCase()}`);
        return { sql: `CAST(${x.sql} AS ${DUCK_CAST[to]})`, type: to, agg: x.agg };
      }
      case 'between': {
        const x = this.expr(e.e, ctx);
        const lo = this.comparable(x, e.lo, ctx, 'BETWEEN');
        const hi = this.comparable(x, e.hi, ctx, 'BETWEEN');
        return {
          sql: `(${x.sql} ${e.not ? 'NOT ' : ''}BETWEEN ${lo.sql} AND ${hi.sql})`,
          type: 'BOOLEAN',
          agg: x.agg || lo.agg || hi.agg,
        };
      }
      case 'in': {
        const x = this.expr(e.e, ctx);
        const list = e.list.map((v) => this.comparable(x, v, ctx, 'IN'));
        return {
          sql: `(${x.sql} ${e.not ? 'NOT ' : ''}IN (${list.map((v) => v.sql).join(', ')}))`,
          type: 'BOOLEAN',
          agg: x.agg || list.some((v) => v.agg),
        };
      }
      case 'bin':
        return this.binary(e.op, e.l, e.r, ctx);
      case 'call':
        return this.call(e, ctx);
    }
  }

  private hasColumn(name: string): boolean {
    return name === 'time' || name === 'measure_name' || this.table.columns.has(name);
  }

  private bool(e: Expr, ctx: { aggAllowed: boolean }): Typed {
    const x = this.expr(e, ctx);
    if (x.type !== 'BOOLEAN' && x.type !== 'UNKNOWN') throw validationError(`Expected a boolean expression, got ${x.type.toLowerCase()}.`);
    return x;
  }

  /** Right side of a comparison with `left`; a string literal compared with a timestamp is parsed as one. */
  private comparable(left: Typed, e: Expr, ctx: { aggAllowed: boolean }, op: string): Typed {
    if (left.type === 'TIMESTAMP' && e.k === 'str') {
      const ns = timestampLiteral(e.v);
      if (ns === undefined) throw validationError(`'${e.v}' is not a valid timestamp literal.`);
      return { sql: ns.toString(), type: 'TIMESTAMP', agg: false };
    }
    const r = this.expr(e, ctx);
    const ok =
      left.type === r.type ||
      left.type === 'UNKNOWN' ||
      r.type === 'UNKNOWN' ||
      (NUMERIC(left.type) && NUMERIC(r.type));
    if (!ok || r.type === 'INTERVAL') {
      throw validationError(`'${op}' cannot be applied to ${left.type.toLowerCase()}, ${r.type.toLowerCase()}.`);
    }
    return r;
  }

  private binary(op: string, le: Expr, re: Expr, ctx: { aggAllowed: boolean }): Typed {
    if (op === 'AND' || op === 'OR') {
      const l = this.bool(le, ctx);
      const r = this.bool(re, ctx);
      return { sql: `(${l.sql} ${op} ${r.sql})`, type: 'BOOLEAN', agg: l.agg || r.agg };
    }
    if (['=', '<>', '<', '<=', '>', '>='].includes(op)) {
      let l: Typed;
      let r: Typed;
      // a literal on the left is read as the right side's type (a timestamp literal binds no parameter)
      if (le.k === 'str' && re.k !== 'str') {
        r = this.expr(re, ctx);
        l = this.comparable(r, le, ctx, op);
      } else {
        l = this.expr(le, ctx);
        r = this.comparable(l, re, ctx, op);
      }
      return { sql: `(${l.sql} ${op} ${r.sql})`, type: 'BOOLEAN', agg: l.agg || r.agg };
    }
    const l = this.expr(le, ctx);
    const r = this.expr(re, ctx);
    const agg = l.agg || r.agg;
    if ((op === '+' || op === '-') && l.type === 'TIMESTAMP' && r.type === 'INTERVAL') {
      return { sql: `(${l.sql} ${op} ${r.sql})`, type: 'TIMESTAMP', agg };
    }
    if (op === '+' && l.type === 'INTERVAL' && r.type === 'TIMESTAMP') return { sql: `(${l.sql} + ${r.sql})`, type: 'TIMESTAMP', agg };
    if (!NUMERIC(l.type) || !NUMERIC(r.type)) {
      throw validationError(`'${op}' cannot be applied to ${l.type.toLowerCase()}, ${r.type.toLowerCase()}.`);
    }
    const type: SqlType = l.type === 'DOUBLE' || r.type === 'DOUBLE' ? 'DOUBLE' : 'BIGINT';
    // integer division stays integral, as in Timestream (Presto semantics)
    const duckOp = op === '/' && type === 'BIGINT' ? '//' : op;
    return { sql: `(${l.sql} ${duckOp} ${r.sql})`, type, agg };
  }

  private call(e: Extract<Expr, { k: 'call' }>, ctx: { aggAllowed: boolean }): Typed {
    const name = e.name;
    if (AGGREGATES.has(name)) {
      if (!ctx.aggAllowed) throw validationError(`Aggregate function ${name} is not allowed here (WHERE, GROUP BY or nested aggregate).`);
      const inner = { aggAllowed: false };
      if (name === 'count') {
        if (e.star) return { sql: 'count(*)', type: 'BIGINT', agg: true };
        arity(e, 1);
        const x = this.expr(e.args[0]!, inner);
        return { sql: `count(${e.distinct ? 'DISTINCT ' : ''}${x.sql})`, type: 'BIGINT', agg: true };
      }
      if (name === 'approx_percentile') {
        arity(e, 2);
        const x = this.expr(e.args[0]!, inner);
        const p = e.args[1]!;
        if (p.k !== 'num' || Number(p.raw) < 0 || Number(p.raw) > 1) {
          throw validationError('approx_percentile expects a percentage literal between 0 and 1.');
        }
        if (!NUMERIC(x.type) && x.type !== 'TIMESTAMP') throw validationError(`approx_percentile cannot be applied to ${x.type.toLowerCase()}.`);
        // an actual sample value, like Presto's approx_percentile (exact here)
        return { sql: `quantile_disc(${x.sql}, ${p.raw})`, type: x.type, agg: true };
      }
      if (name === 'max_by' || name === 'min_by') {
        // value of x at the row where y is largest/smallest (Presto max_by/min_by)
        arity(e, 2);
        const x = this.expr(e.args[0]!, inner);
        const y = this.expr(e.args[1]!, inner);
        return { sql: `${name === 'max_by' ? 'arg_max' : 'arg_min'}(${x.sql}, ${y.sql})`, type: x.type, agg: true };
      }
      if (name === 'approx_distinct') {
        arity(e, 1);
        return { sql: `count(DISTINCT ${this.expr(e.args[0]!, inner).sql})`, type: 'BIGINT', agg: true };
      }
      arity(e, 1);
      const x = this.expr(e.args[0]!, inner);
      const d = e.distinct ? 'DISTINCT ' : '';
      if (name === 'min' || name === 'max') return { sql: `${name}(${d}${x.sql})`, type: x.type, agg: true };
      if (!NUMERIC(x.type)) throw validationError(`Function ${name} cannot be applied to ${x.type.toLowerCase()}.`);
      if (name === 'sum') return { sql: `sum(${d}${x.sql})`, type: x.type === 'BIGINT' ? 'BIGINT' : 'DOUBLE', agg: true };
      const fn = name === 'stddev' ? 'stddev_samp' : name === 'variance' ? 'var_samp' : name;
      return { sql: `${fn}(${d}${x.sql})`, type: 'DOUBLE', agg: true };
    }
    if (e.star || e.distinct) throw validationError(`Function ${name} does not take '*' or DISTINCT.`);
    return translateScalarCall(e, (a) => this.expr(a, ctx), this.nowNs);
  }

  /** Presto's rule: outside aggregates, only GROUP BY expressions (or things built from them). */
  checkGrouped(e: Expr, groups: Set<string>, where: string): void {
    const t = this.expr(e, { aggAllowed: true });
    if (groups.has(t.sql)) return;
    switch (e.k) {
      case 'col':
        throw validationError(`'${e.name}' must be an aggregate expression or appear in GROUP BY clause (${where}).`);
      case 'call':
        if (AGGREGATES.has(e.name)) return;
        for (const a of e.args) this.checkGrouped(a, groups, where);
        return;
      case 'bin':
        this.checkGrouped(e.l, groups, where);
        this.checkGrouped(e.r, groups, where);
        return;
      case 'not':
      case 'neg':
      case 'isnull':
        this.checkGrouped(e.e, groups, where);
        return;
      case 'between':
        for (const x of [e.e, e.lo, e.hi]) this.checkGrouped(x, groups, where);
        return;
      case 'in':
        for (const x of [e.e, ...e.list]) this.checkGrouped(x, groups, where);
        return;
      case 'cast':
        this.checkGrouped(e.e, groups, where);
        return;
      case 'like':
        this.checkGrouped(e.e, groups, where);
        this.checkGrouped(e.pattern, groups, where);
        return;
      default:
        return;
    }
  }

  translate(): TranslatedQuery {
    const s = this.stmt;
    // `SELECT *`: dimensions, measure_name, time, then measures (Timestream's column order)
    const items: Array<{ expr: Expr; alias?: string }> = s.items.flatMap((it) => {
      if (it.expr.k !== 'star') return [it];
      if (s.groupBy.length > 0) throw validationError("'SELECT *' cannot be combined with GROUP BY.");
      const dims = this.table.order.filter((c) => c.kind === 'dimension').map((c) => c.name);
      const meas = this.table.order.filter((c) => c.kind === 'measure').map((c) => c.name);
      return [...dims, 'measure_name', 'time', ...meas].map((name) => ({ expr: { k: 'col', name, pos: 0 } as Expr }));
    });
    const selected: Typed[] = [];
    const columns: TranslatedQuery['columns'] = [];
    items.forEach((it, i) => {
      const t = this.expr(it.expr, { aggAllowed: true });
      if (t.type === 'INTERVAL') throw unsupportedSql('Returning a duration value');
      selected.push(t);
      const name = it.alias ?? (it.expr.k === 'col' ? it.expr.name : `_col${i}`);
      columns.push({ name, type: t.type });
      if (it.alias !== undefined) this.aliases.set(it.alias, it.expr);
    });
    const where = s.where ? this.bool(s.where, { aggAllowed: false }) : undefined;
    const groupExprs = s.groupBy.map((g) => {
      if (g.k === 'num' && g.int) {
        const sel = items[Number(g.raw) - 1];
        if (!sel) throw validationError(`GROUP BY position ${g.raw} is not in the select list.`);
        return sel.expr;
      }
      return g;
    });
    const groupSql = groupExprs.map((g) => this.expr(g, { aggAllowed: false }).sql);
    const having = s.having ? this.bool(s.having, { aggAllowed: true }) : undefined;
    const grouped = groupSql.length > 0 || selected.some((x) => x.agg) || having !== undefined;
    const order = s.orderBy.map((o) => {
      let sql: string;
      if (o.expr.k === 'num' && o.expr.int) {
        const n = Number(o.expr.raw);
        if (n < 1 || n > items.length) throw validationError(`ORDER BY position ${n} is not in the select list.`);
        sql = `"c${n - 1}"`;
      } else if (o.expr.k === 'col' && o.expr.qualifier === undefined && columns.some((c) => c.name === (o.expr as { name: string }).name)) {
        const name = o.expr.name;
        sql = `"c${columns.findIndex((c) => c.name === name)}"`;
      } else {
        if (grouped) this.checkGrouped(o.expr, new Set(groupSql), 'ORDER BY');
        sql = this.expr(o.expr, { aggAllowed: grouped }).sql;
      }
      const nulls = o.nullsFirst === undefined ? (o.desc ? ' NULLS FIRST' : ' NULLS LAST') : o.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST';
      return `${sql}${o.desc ? ' DESC' : ' ASC'}${nulls}`;
    });
    if (grouped) {
      const groups = new Set(groupSql);
      for (const it of items) this.checkGrouped(it.expr, groups, 'SELECT');
      if (s.having) this.checkGrouped(s.having, groups, 'HAVING');
    }
    const selectSql = selected.map((t, i) => {
      const cast = DUCK_CAST[t.type];
      return `${cast ? `CAST(${t.sql} AS ${cast})` : t.sql} AS "c${i}"`;
    });
    const head = `SELECT ${s.distinct ? 'DISTINCT ' : ''}${selectSql.join(', ')} FROM `;
    let tail = where ? ` WHERE ${where.sql}` : '';
    if (groupSql.length > 0) tail += ` GROUP BY ${groupSql.join(', ')}`;
    if (having) tail += ` HAVING ${having.sql}`;
    if (order.length > 0) tail += ` ORDER BY ${order.join(', ')}`;
    if (s.limit !== undefined) tail += ` LIMIT ${s.limit}`;
    if (s.offset !== undefined) tail += ` OFFSET ${s.offset}`;
    const t = this.table.internal;
    const scope = this.scope();
    const emptySql = grouped && groupSql.length === 0 ? `${head}(SELECT * FROM ${t} LIMIT 0) AS ${t}${tail}` : null;
    return { sql: `${head}${t}${tail}`, emptySql, params: this.params, columns, table: this.table, ...(scope ? { scope } : {}) };
  }

  /** The WHERE clause's scope; constants are translated as comparisons with `time` would be. */
  private scope(): QueryScope | undefined {
    const time: Typed = { sql: 'time', type: 'TIMESTAMP', agg: false };
    return whereScope(this.stmt.where, {
      isTime: (e) => e.k === 'col' && e.name === 'time',
      dimension: (e) => {
        if (e.qualifier === undefined && this.aliases.has(e.name) && !this.hasColumn(e.name)) return undefined;
        const internal = this.column(e.name, e.qualifier).sql;
        return this.table.order.find((c) => c.internal === internal && c.kind === 'dimension')?.name;
      },
      timestamp: (e) => {
        const n = this.params.length;
        try {
          const x = this.comparable(time, e, { aggAllowed: false }, '=');
          return x.type === 'TIMESTAMP' && /^-?\d+$/.test(x.sql) ? BigInt(x.sql) : undefined;
        } catch {
          return undefined; // not a constant timestamp: the term does not narrow the scope
        } finally {
          this.params.length = n;
        }
      },
    });
  }
}

/**
 * Parses and translates one Timestream query.
 * @param lookup resolves `"db"."table"` to the store's table, or undefined
 * @param nowMs the query's `now()`
 * @example translateQuery(`SELECT avg(hr) FROM "pulsepet"."telemetry" WHERE time > ago(15m)`, lookup, Date.now())
 */
export function translateQuery(
  sql: string,
  lookup: (db: string, table: string) => TableMeta | undefined,
  nowMs: number,
): TranslatedQuery {
  const stmt = parseTimestreamSql(sql);
  const table = lookup(stmt.from.database, stmt.from.table);
  if (!table) throw validationError(`Table ${stmt.from.database}.${stmt.from.table} does not exist.`);
  return new Translator(table, stmt, BigInt(Math.trunc(nowMs)) * 1_000_000n).translate();
}
