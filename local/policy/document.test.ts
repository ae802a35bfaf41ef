import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../../protocol/errors';
import { MAX_POLICY_DOCUMENT_CHARS, MAX_POLICY_DOCUMENT_DEPTH, parsePolicyDocument } from './document';

function expectMalformed(json: string, message: RegExp): void {
  try {
    parsePolicyDocument(json);
  } catch (e) {
    expect(isPulsepetError(e, 'PP_ERR_VALIDATION')).toBe(true);
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected parsePolicyDocument to throw');
}

const stmt = { Effect: 'Allow', Action: 'iot:Connect', Resource: '*' };

describe('Function: parsePolicyDocument', () => {
  it('normalises a single statement object with string Action and Resource into arrays', () => {
    const doc = parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: stmt }));
    expect(doc.Statement).toEqual([{ Effect: 'Allow', Action: ['iot:Connect'], Resource: ['*'] }]);
  });

  it('keeps a statement array, Sid and conditions with scalar values normalised to string arrays', () => {
    const doc = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { ...stmt, Sid: 'A1', Condition: { Bool: { 'iot:Connection.Thing.IsAttached': true } } },
          { Effect: 'Deny', Action: ['iot:Publish', 'iot:*Shadow'], Resource: ['arn:aws:iot:*:*:topic/x'] },
        ],
      }),
    );
    expect(doc.Statement[0]?.Condition).toEqual({ Bool: { 'iot:Connection.Thing.IsAttached': ['true'] } });
    expect(doc.Statement[0]?.Sid).toBe('A1');
    expect(doc.Statement[1]?.Action).toEqual(['iot:Publish', 'iot:*Shadow']);
  });

  it('rejects text that is not JSON', () => {
    expectMalformed('{"Version":', /not valid JSON/);
  });

  it('rejects an empty document', () => {
    expectMalformed('   ', /empty/);
  });

  it('rejects a Version other than 2012-10-17', () => {
    expectMalformed(JSON.stringify({ Version: '2008-10-17', Statement: stmt }), /Version: must be "2012-10-17"/);
  });

  it('rejects an Effect other than Allow or Deny, naming the statement', () => {
    expectMalformed(
      JSON.stringify({ Version: '2012-10-17', Statement: [stmt, { ...stmt, Effect: 'allow' }] }),
      /Statement\[1\]\.Effect: must be "Allow" or "Deny"/,
    );
  });

  it('rejects an action without a service prefix', () => {
    expectMalformed(JSON.stringify({ Version: '2012-10-17', Statement: { ...stmt, Action: 'Publish' } }), /Action/);
  });

  it('rejects a resource that is neither * nor an ARN', () => {
    expectMalformed(
      JSON.stringify({ Version: '2012-10-17', Statement: { ...stmt, Resource: 'topic/a' } }),
      /Resource\[0\]: must be "\*" or an ARN/,
    );
  });

  it('rejects an unterminated policy variable in a resource', () => {
    expectMalformed(
      JSON.stringify({ Version: '2012-10-17', Statement: { ...stmt, Resource: 'arn:aws:iot:*:*:client/${iot:ClientId' } }),
      /unterminated or empty policy variable/,
    );
  });

  it('rejects elements the engine does not evaluate, such as NotAction', () => {
    expectMalformed(
      JSON.stringify({ Version: '2012-10-17', Statement: { ...stmt, NotAction: 'iot:Publish' } }),
      /NotAction/,
    );
  });

  it('rejects an unsupported condition operator with the list of supported ones', () => {
    expectMalformed(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: { ...stmt, Condition: { NumericLessThan: { 'iot:ClientId': '3' } } },
      }),
      /unsupported condition operator "NumericLessThan"; supported: StringEquals/,
    );
  });

  it('rejects an empty Statement array', () => {
    expectMalformed(JSON.stringify({ Version: '2012-10-17', Statement: [] }), /at least one/);
  });

  it('accepts a document of exactly 2048 characters excluding whitespace and rejects 2049', () => {
    const base = JSON.stringify({ Version: '2012-10-17', Statement: { ...stmt, Sid: '' } });
    const fill = 'A'.repeat(MAX_POLICY_DOCUMENT_CHARS - base.length);
    const exact = JSON.stringify({ Version: '2012-10-17', Statement: { ...stmt, Sid: fill } }, null, 4);
    expect(exact.length).toBeGreaterThan(MAX_POLICY_DOCUMENT_CHARS); // whitespace does not count
    expect(() => parsePolicyDocument(exact)).not.toThrow();
    const over = JSON.stringify({ Version: '2012-10-17', Statement: { ...stmt, Sid: `${fill}A` } });
    expectMalformed(over, /2049 characters excluding whitespace; the maximum is 2048/);
  });

  it('accepts the deepest document the grammar allows (6 levels) and refuses 7 naming the limit', () => {
    const withValues = (values: string) =>
      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iot:Connect","Resource":"*","Condition":{"StringEquals":{"iot:ClientId":${values}}}}]}`;
    expect(MAX_POLICY_DOCUMENT_DEPTH).toBe(6);
    expect(parsePolicyDocument(withValues('["a"]')).Statement[0]?.Condition).toEqual({ StringEquals: { 'iot:ClientId': ['a'] } });
    expectMalformed(withValues('[["a"]]'), /nested more than 6 levels deep; the policy grammar nests at most 6/);
  });

  it('refuses a document nested 100,000 levels deep as malformed, without a stack overflow', () => {
    expectMalformed(`${'{"Statement":'.repeat(100_000)}1${'}'.repeat(100_000)}`, /nested more than 6 levels deep/);
    expectMalformed('['.repeat(100_000), /nested more than 6 levels deep/);
  });
});
