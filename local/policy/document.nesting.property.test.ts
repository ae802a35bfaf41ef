import { CreatePolicyCommand, CreatePolicyVersionCommand, type IoTClient } from '@aws-sdk/client-iot';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonNestingDepth } from '../../common/json-depth';
import { startTestGateway, type TestGateway } from '../../test/support/local/gateway';
import { MAX_POLICY_DOCUMENT_DEPTH } from './document';

/**
 * A policy document exactly `depth` levels deep: valid from 2 to 6 (each level the
 * grammar has: Statement list, statement, Condition, operator, value list), with the
 * condition's value list nested further past 6. Depth 1 has no statement at all.
 */
function policyOfDepth(depth: number): string {
  const stmt = '"Effect":"Allow","Action":"iot:Connect","Resource":"*"';
  if (depth === 1) return '{"Version":"2012-10-17"}';
  if (depth === 2) return `{"Version":"2012-10-17","Statement":{${stmt}}}`;
  const lists = depth - 5; // value lists nested at the sixth level and below
  const condition =
    depth === 3 ? '' : depth === 4 ? ',"Condition":{}' : depth === 5 ? ',"Condition":{"StringEquals":{}}' : `,"Condition":{"StringEquals":{"iot:ClientId":${'['.repeat(lists)}"a"${']'.repeat(lists)}}}`;
  return `{"Version":"2012-10-17","Statement":[{${stmt}${condition}}]}`;
}

async function outcome(send: () => Promise<unknown>): Promise<{ ok: true } | { ok: false; name: string; status: number | undefined; message: string }> {
  try {
    await send();
    return { ok: true };
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { ok: false, name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
}

describe('CreatePolicy / CreatePolicyVersion with documents nested 1 to 100,000 levels (real client-iot, real gateway)', () => {
  let gw: TestGateway;
  let iot: IoTClient;
  let seq = 0;

  beforeAll(async () => {
    gw = await startTestGateway();
    iot = gw.iot();
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('creates every valid depth and answers MalformedPolicyException 400 past the grammar, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 100_000 }), async (depth) => {
        const policyName = `deep_${++seq}`;
        const doc = policyOfDepth(depth);
        expect(jsonNestingDepth(doc)).toBe(depth);
        const created = await outcome(() => iot.send(new CreatePolicyCommand({ policyName, policyDocument: doc })));
        if (depth >= 2 && depth <= MAX_POLICY_DOCUMENT_DEPTH) {
          expect(created).toEqual({ ok: true });
          // a new version of the policy goes through the same check
          const version = await outcome(() => iot.send(new CreatePolicyVersionCommand({ policyName, policyDocument: policyOfDepth(depth + 100) })));
          expect(version).toMatchObject({ ok: false, name: 'MalformedPolicyException', status: 400 });
          return;
        }
        expect(created).toMatchObject({ ok: false, name: 'MalformedPolicyException', status: 400 });
        if (depth > MAX_POLICY_DOCUMENT_DEPTH && !created.ok) expect(created.message).toContain(`nested more than ${MAX_POLICY_DOCUMENT_DEPTH} levels deep`);
        if (depth === 1 && !created.ok) expect(created.message).toMatch(/Statement/);
      }),
      { numRuns: 40, examples: [[1], [2], [MAX_POLICY_DOCUMENT_DEPTH], [MAX_POLICY_DOCUMENT_DEPTH + 1], [5000], [100_000]] },
    );
  });
});
