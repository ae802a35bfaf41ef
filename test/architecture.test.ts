import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lineCount, longFunctions, MAX_FILE_LINES, MAX_FUNCTION_LINES } from './support/code-size';
import { checkEdge, checkImportGraph, importsOf, isTestFile, renderRulesTable } from './support/import-graph';

const ROOT = join(import.meta.dirname, '..');

/** Every tracked or new (not ignored) TypeScript and ESM source file, with its text. */
function sourceTree(): Map<string, string> {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.ts', '*.mjs'], { cwd: ROOT, encoding: 'utf8' });
  const files = new Map<string, string>();
  for (const f of out.split('\n')) {
    if (f === '') continue;
    try {
      files.set(f, readFileSync(join(ROOT, f), 'utf8'));
    } catch {
      // deleted in the working tree but not yet in the index
    }
  }
  return files;
}

describe('The import graph follows docs/architecture.md', () => {
  it('has no edge the dependency rules forbid', () => {
    const violations = checkImportGraph(sourceTree()).map((v) => `${v.from} → ${v.to}: ${v.rule}`);
    expect(violations).toEqual([]);
  });

  it('documents exactly the rules it enforces', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    expect(doc).toContain(renderRulesTable());
  });
});

describe('Code size (CONVENTIONS.md: split a function past ~80 lines, a file past ~400)', () => {
  const sources = [...sourceTree()].filter(([f]) => f.endsWith('.ts') && !isTestFile(f));

  it(`has no source file over ${MAX_FILE_LINES} lines`, () => {
    const long = sources.filter(([, src]) => lineCount(src) > MAX_FILE_LINES).map(([f, src]) => `${f}: ${lineCount(src)} lines`);
    expect(long).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = sources.flatMap(([f, src]) => longFunctions(f, src).map((l) => `${f}:${l.line} ${l.name}: ${l.lines} lines`));
    expect(long).toEqual([]);
  });

  it('measures what it claims: a long function and a long file are reported', () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const x${i} = ${i};`).join('\n');
    expect(longFunctions('a.ts', `export function big() {\n${body}\n}\n`)).toEqual([{ name: 'big', line: 1, lines: MAX_FUNCTION_LINES + 2 }]);
    expect(longFunctions('a.ts', 'export const ok = () => 1;\n')).toEqual([]);
    expect(lineCount('a\nb\n')).toBe(2);
  });
});

describe('Function: checkEdge', () => {
  it.each([
    ['device-agent/agent.ts', 'local/stack', 'device-agent/ may import only'],
    ['device-agent/config.ts', 'simulators/watch', 'device-agent/ may import only'],
    ['simulators/watch.ts', 'device-agent/outbox-record', 'simulators/ may import only'],
    ['local/stack.ts', 'functions/ingest/client', 'local/ may import only'],
    ['local/rules/runtime.ts', 'cloud-rules/rules', 'local/ must not import cloud-rules/rules.ts'],
    ['local/gateway/server.ts', 'cli/main', 'local/ may import only'],
    ['functions/ingest/ingest.ts', 'test/support/functions/ingest', 'functions/ may import only'],
    ['bench/x.ts', 'local/broker/broker', 'components only through their index.ts'],
    ['protocol/topics.ts', 'common/logger', 'protocol/ may import only itself'],
  ])('refuses %s → %s', (from, to, rule) => {
    expect(checkEdge(from, to)).toContain(rule);
  });

  it.each([
    ['cli/up.ts', 'local/stack'],
    ['cli/pulsepet-stack.ts', 'functions/registry'],
    ['local/rules/compile.ts', 'cloud-rules/sql/index'],
    ['local/data-dir.ts', 'certs/index'],
    ['bench/ingest-throughput.ts', 'local/index'],
    ['bench/ingest-throughput.ts', 'test/support/local/stack'],
    ['test/support/local/stack.ts', 'local/stack'],
    ['functions/ingest/handler.ts', 'protocol/resources'],
  ])('allows %s → %s', (from, to) => {
    expect(checkEdge(from, to)).toBeUndefined();
  });
});

describe('Function: importsOf', () => {
  it('finds static, type-only, re-export, dynamic and module-URL references', () => {
    const src = [
      "import { a } from '../common/a';",
      "import type { B } from './b';",
      "export { c } from '../../protocol/c';",
      "const m = await import('../cli/main');",
      "const u = new URL('./ingest/handler.ts', import.meta.url);",
      "import './side-effect';",
    ].join('\n');
    expect(importsOf('functions/registry.ts', src)).toEqual([
      'common/a',
      'functions/b',
      '../protocol/c',
      'cli/main',
      'functions/ingest/handler.ts',
      'functions/side-effect',
    ]);
  });
});
