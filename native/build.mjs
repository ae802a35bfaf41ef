// Builds the optional native addon(s) on `npm ci` (package.json "prepare"): today only
// native/malloc-trim.c, for the broker process (local/broker-process/allocator-trim.ts).
// Node-API is ABI-stable, so one build serves Node 20 and 22. Needs a C compiler and glibc
// (Debian: gcc, libc6-dev); without them it says so and the project works without the addon.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'build', 'malloc-trim.node');

function build() {
  if (process.platform !== 'linux') return 'only Linux with glibc has malloc_trim';
  let include;
  try {
    include = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
  } catch {
    return 'the node-api-headers package is not installed (a dev dependency)';
  }
  mkdirSync(dirname(out), { recursive: true });
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, ['-O2', '-Wall', '-shared', '-fPIC', '-DNAPI_VERSION=8', '-I', include, join(here, 'malloc-trim.c'), '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return e.code === 'ENOENT' ? `no C compiler (${cc}); on Debian: apt-get install gcc libc6-dev` : `${cc} failed: ${String(e.stderr ?? e.message).trim().split('\n')[0]}`;
  }
  return undefined;
}

const skipped = build();
if (skipped === undefined) process.stdout.write(`native: built ${out}\n`);
else process.stdout.write(`native: malloc-trim not built (${skipped}); the broker process then keeps the memory glibc keeps after a fleet leaves, and everything else works\n`);
