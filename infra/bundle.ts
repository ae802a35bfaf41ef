import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, buildSync, type Metafile } from 'esbuild';
import type { FunctionDefinition } from '../functions/registry';

/** The bundle's file name; Lambda's handler setting is `index.{export}`. */
export const BUNDLE_FILE = 'index.mjs';

export interface FunctionBundle {
  /** the directory holding index.mjs and its source map (zipped by the Lambda asset) */
  dir: string;
  /** Lambda's handler setting */
  handler: string;
  /** bytes of index.mjs */
  bytes: number;
  /** the repository's own source files in the bundle (relative to the working directory) */
  sources: string[];
}

/**
 * Bundles one function of the registry with esbuild into a single ES module for
 * Lambda's `nodejs22.x` (the AWS SDK clients included, so the deployed code runs the
 * SDK versions the tests ran, not the runtime's). `require` is provided for the CommonJS
 * dependencies that call it on Node built-ins. Source maps are kept beside the bundle
 * (NODE_OPTIONS=--enable-source-maps maps stack traces back to the TypeScript).
 */
export function bundleFunction(def: FunctionDefinition, outRoot: string): FunctionBundle {
  const dir = join(outRoot, def.name);
  mkdirSync(dir, { recursive: true });
  const result = buildSync({ ...esbuildOptions(def), outfile: join(dir, BUNDLE_FILE), metafile: true });
  const out = result.metafile.outputs[Object.keys(result.metafile.outputs).find((f) => f.endsWith(BUNDLE_FILE)) ?? ''];
  if (out === undefined) throw new Error(`esbuild wrote no ${BUNDLE_FILE} for ${def.name}`);
  return { dir, handler: `index.${def.handler}`, bytes: out.bytes, sources: ownSources(result.metafile) };
}

/** The esbuild settings of a function's bundle (also what the grant audit bundles unminified). */
export function esbuildOptions(def: FunctionDefinition): BuildOptions {
  return {
    entryPoints: [fileURLToPath(def.module)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    // error classes are told apart by name (SDK exceptions, PulsepetError)
    keepNames: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'silent',
    banner: { js: "import { createRequire as __pulsepetRequire } from 'node:module'; const require = __pulsepetRequire(import.meta.url);" },
  };
}

function ownSources(meta: Metafile): string[] {
  return Object.keys(meta.inputs)
    .filter((f) => !f.includes('node_modules/') && f.endsWith('.ts'))
    .sort();
}
