/**
 * The dependency rules of docs/architecture.md as data, and a checker over the import
 * graph (static imports and re-exports, dynamic `import()`, and module URLs built with
 * `new URL('…', import.meta.url)`). test/architecture.test.ts runs it over the tree.
 */
import { dirname, join, normalize } from 'node:path';

/** A folder's role in the architecture. */
export interface FolderRule {
  folder: string;
  role: string;
  /** folders (or single files, by path) its non-test files may import, besides itself */
  mayImport: readonly string[];
  /** files it must not import even inside an allowed folder */
  never?: readonly string[];
  /** true: other folders' files may be imported only through their `index.ts` */
  publicEntriesOnly?: boolean;
}

const BASE = ['protocol', 'common'];
const LIBRARIES = [...BASE, 'certs', 'cloud-rules'];

export const DEPENDENCY_RULES: readonly FolderRule[] = [
  { folder: 'protocol', role: 'the contract: topics, schemas, error catalog, resource names', mayImport: [] },
  { folder: 'common', role: 'shared infrastructure: logger, journals, config parsing, SDK client factories', mayImport: ['protocol'] },
  { folder: 'certs', role: 'X.509 library: CA, device and server certificates', mayImport: BASE },
  { folder: 'cloud-rules', role: "pulsepet's IoT rules and schedules as data, the IoT SQL engine, the cron subset", mayImport: BASE },
  {
    folder: 'local',
    role: 'IoT Core on one machine (the AWS stand-ins)',
    mayImport: LIBRARIES,
    never: ['cloud-rules/rules.ts', 'cloud-rules/schedules.ts'],
  },
  { folder: 'device-agent', role: 'product: the gateway agent', mayImport: [...BASE, 'certs'] },
  { folder: 'functions', role: 'product: Lambda handlers and their registry', mayImport: BASE },
  {
    folder: 'functions/reasoning/eval',
    role: 'the models\' evaluation harness (not deployed): replays the labelled bodies of simulators/body',
    mayImport: [...BASE, 'functions/reasoning/models', 'simulators/body'],
  },
  { folder: 'simulators', role: 'product: watch and fleet simulators', mayImport: [...BASE, 'certs'] },
  { folder: 'display', role: 'product: the shadow-driven pet display', mayImport: BASE },
  { folder: 'infra', role: 'product: cdktf stacks', mayImport: [...LIBRARIES, 'functions/registry.ts'] },
  {
    folder: 'cli',
    role: 'the one wiring place: knows local/ and the product folders',
    mayImport: [...LIBRARIES, 'local', 'device-agent', 'functions', 'simulators', 'display', 'infra'],
  },
  { folder: 'bin', role: 'the executable', mayImport: ['cli'] },
  {
    folder: 'bench',
    role: 'benchmarks: public entry points, the CLI and test support only',
    mayImport: [...LIBRARIES, 'cli', 'test/support', 'local', 'device-agent', 'functions', 'simulators'],
    publicEntriesOnly: true,
  },
  {
    folder: 'test/support',
    role: 'shared fixtures and harnesses for tests and benches',
    mayImport: [...LIBRARIES, 'cli', 'local', 'device-agent', 'functions', 'simulators', 'display', 'infra', 'test/support'],
  },
];

/** Folders whose files are shared as a whole (every file is public). */
const OPEN_FOLDERS = new Set([...LIBRARIES, 'cli', 'test/support']);

export interface Violation {
  from: string;
  to: string;
  rule: string;
}

const IMPORT_RE = /(?:^|[^.\w])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:^|[^.\w])import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]|^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]|new URL\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*,\s*import\.meta\.url/gm;

/** Relative module references of a source file, resolved to repository paths. */
export function importsOf(file: string, source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (spec !== undefined) out.push(normalize(join(dirname(file), spec)));
  }
  return out;
}

export function isTestFile(path: string): boolean {
  return /\.test\.ts$/.test(path);
}

/** The rule whose folder holds `path` (the longest match), or undefined for files outside the map. */
export function ruleFor(path: string): FolderRule | undefined {
  let best: FolderRule | undefined;
  for (const r of DEPENDENCY_RULES) {
    if ((path === r.folder || path.startsWith(`${r.folder}/`)) && (best === undefined || r.folder.length > best.folder.length)) best = r;
  }
  return best;
}

function within(path: string, folderOrFile: string): boolean {
  return path === folderOrFile || path.startsWith(`${folderOrFile}/`) || path.replace(/\.(ts|mjs)$/, '') === folderOrFile.replace(/\.(ts|mjs)$/, '');
}

/** Checks one import edge of a non-test file; returns the violated rule's wording, or undefined. */
export function checkEdge(from: string, to: string): string | undefined {
  const src = ruleFor(from);
  if (src === undefined) return undefined;
  if (to.startsWith('test/') && !to.startsWith('test/support') && src.folder !== 'test/support') return 'product code never imports tests';
  const dst = ruleFor(to);
  if (dst === undefined || dst.folder === src.folder) return undefined;
  if (src.never?.some((n) => within(to, n))) return `${src.folder}/ must not import ${src.never.join(', ')}`;
  const allowed = src.mayImport.some((m) => within(to, m) || within(dst.folder, m));
  if (!allowed) return `${src.folder}/ may import only ${src.mayImport.length > 0 ? src.mayImport.join(', ') : 'itself'}`;
  if (src.publicEntriesOnly && !OPEN_FOLDERS.has(dst.folder) && to.replace(/\.(ts|mjs)$/, '') !== `${dst.folder}/index`) {
    return `${src.folder}/ uses other components only through their index.ts (public entry points)`;
  }
  return undefined;
}

/** Every violation in a tree given as path → source (test files are exempt: they may reach anything). */
export function checkImportGraph(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [from, source] of files) {
    if (isTestFile(from)) continue;
    for (const to of importsOf(from, source)) {
      const rule = checkEdge(from, to);
      if (rule !== undefined) out.push({ from, to, rule });
    }
  }
  return out;
}

/** The rules as the Markdown table docs/architecture.md carries (the test keeps the two equal). */
export function renderRulesTable(): string {
  const rows = DEPENDENCY_RULES.map((r) => {
    const may = r.mayImport.length > 0 ? r.mayImport.map((m) => `\`${m}\``).join(', ') : '—';
    const extra = [r.never ? `never ${r.never.map((n) => `\`${n}\``).join(', ')}` : '', r.publicEntriesOnly ? 'components only through their `index.ts`' : '']
      .filter((x) => x !== '')
      .join('; ');
    return `| \`${r.folder}/\` | ${r.role} | ${may}${extra ? `; ${extra}` : ''} |`;
  });
  return ['| folder | role | may import (besides itself) |', '| --- | --- | --- |', ...rows].join('\n');
}
