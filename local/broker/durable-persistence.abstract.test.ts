/**
 * aedes-persistence's own conformance suite (abstract.js, written for node:test)
 * run against the durable persistence. A small adapter gives each test the part of
 * the node:test context the suite uses: `plan`, `assert.*` (counted, so the plan
 * is checked as node:test does) and `diagnostic`.
 */
import * as assert from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { createDurablePersistence } from './durable-persistence';

type Assertions = Pick<typeof assert, 'equal' | 'deepEqual' | 'notEqual' | 'ok'>;
interface NodeTestContext {
  plan(n: number): void;
  diagnostic(msg: string): void;
  assert: Assertions;
}
type AbstractSuite = (opts: {
  test: (name: string, fn: (t: NodeTestContext) => Promise<void>) => void;
  persistence: () => Promise<unknown>;
  testAsync: boolean;
}) => void;

const require = createRequire(import.meta.url);
const abstractSuite = require('aedes-persistence/abstract.js') as AbstractSuite;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function context(): { t: NodeTestContext; check(): void } {
  let planned: number | undefined;
  let count = 0;
  const counted =
    <A extends unknown[]>(f: (...args: A) => void) =>
    (...args: A): void => {
      count++;
      f(...args);
    };
  const t: NodeTestContext = {
    plan: (n) => {
      planned = n;
    },
    diagnostic: () => {},
    assert: {
      equal: counted(assert.equal),
      deepEqual: counted(assert.deepEqual),
      notEqual: counted(assert.notEqual),
      ok: counted(assert.ok),
    },
  };
  return {
    t,
    check: () => {
      if (planned !== undefined) assert.equal(count, planned, `plan expected ${planned} assertions, ran ${count}`);
    },
  };
}

describe('Suite: aedes-persistence abstract tests against DurablePersistence', () => {
  abstractSuite({
    testAsync: true,
    persistence: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pp-persist-abs-'));
      dirs.push(dir);
      return createDurablePersistence(dir, silentLogger());
    },
    test: (name, fn) => {
      it(name, async () => {
        const { t, check } = context();
        await fn(t);
        check();
      });
    },
  });
});
