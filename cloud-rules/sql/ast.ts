import type { SqlValue } from './values';

/** Every node carries `pos`, the 0-based offset of its first character in the source. */
export type Expr =
  | { type: 'literal'; value: SqlValue; pos: number }
  | { type: 'field'; name: string; pos: number }
  | { type: 'member'; object: Expr; name: string; pos: number }
  | { type: 'star'; pos: number }
  | { type: 'call'; name: string; args: Expr[]; pos: number }
  | { type: 'cast'; expr: Expr; to: CastTarget; pos: number }
  | { type: 'unary'; op: '-' | 'NOT'; operand: Expr; pos: number }
  | { type: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: number }
  | { type: 'case'; subject: Expr; whens: Array<{ when: Expr; result: Expr }>; otherwise?: Expr; pos: number }
  | { type: 'object'; entries: Array<{ key: string; value: Expr }>; pos: number }
  | { type: 'array'; items: Expr[]; pos: number };

export type BinaryOp = 'OR' | 'AND' | '=' | '<>' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

/** cast() targets (iot-sql-functions, cast): String, Int, Decimal (Double), Boolean. */
export type CastTarget = 'String' | 'Int' | 'Decimal' | 'Boolean';

export type SelectItem = { kind: 'star'; pos: number } | { kind: 'expr'; expr: Expr; key: string[]; pos: number };

export interface SelectStatement {
  /** `SELECT VALUE expr`: the output is the value itself, not an object. */
  value: boolean;
  items: SelectItem[];
  topicFilter: string;
  where: Expr | undefined;
}
