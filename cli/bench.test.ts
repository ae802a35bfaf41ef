import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCHMARKS } from './bench';

describe('pulsepet bench', () => {
  it('lists only benchmarks that exist in bench/', () => {
    for (const name of Object.keys(BENCHMARKS)) {
      expect(existsSync(join(import.meta.dirname, '..', 'bench', `${name}.ts`)), name).toBe(true);
    }
  });
});
