/**
 * The size rules of CONVENTIONS.md (a function past ~80 lines or a file past ~400 is
 * asking to be split), measured with the TypeScript parser for test/architecture.test.ts.
 */
import ts from 'typescript';

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 80;

export interface LongFunction {
  name: string;
  line: number;
  lines: number;
}

function nameOf(node: ts.Node): string {
  const n = (node as { name?: ts.Node }).name;
  if (n !== undefined) return n.getText();
  const parent = node.parent as { name?: ts.Node } | undefined;
  return parent?.name?.getText() ?? '<anonymous>';
}

/** Functions, methods, arrow functions and constructors of a source file longer than `max` lines. */
export function longFunctions(path: string, source: string, max = MAX_FUNCTION_LINES): LongFunction[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true);
  const out: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const start = file.getLineAndCharacterOfPosition(node.getStart()).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      if (end - start + 1 > max) out.push({ name: nameOf(node), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** Lines of a file (a trailing newline does not count as a line). */
export function lineCount(source: string): number {
  return source.endsWith('\n') ? source.split('\n').length - 1 : source.split('\n').length;
}
