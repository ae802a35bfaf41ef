import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** This pulsepet's version (package.json), recorded in the state it writes. */
export const PULSEPET_VERSION: string = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string })
  .version;
