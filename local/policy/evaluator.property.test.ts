import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from './document';
import { type AuthzContext, PolicyEvaluator } from './evaluator';
import { compilePattern, matchPattern } from './pattern';

const ctx: AuthzContext = { region: 'us-east-1', accountId: '123456789012', clientId: 'c' };
const ARN = 'arn:aws:iot:us-east-1:123456789012:';
const noVars = () => undefined;

// Topic-ish text without policy syntax characters.
const level = fc.stringMatching(/^[a-z0-9+#$_-]{1,6}$/);
const topic = fc.array(level, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('/'));
const action = fc.constantFrom('iot:Publish', 'iot:Receive', 'iot:Subscribe', 'iot:Connect', 'iot:*', '*');
const resourcePattern = fc.oneof(
  topic.map((t) => `${ARN}topic/${t}`),
  topic.map((t) => `${ARN}topic/${t}*`),
  topic.map((t) => `${ARN}topic/*${t}`),
  fc.constant('*'),
);
const statement = (effect: 'Allow' | 'Deny') =>
  fc.record({
    Effect: fc.constant(effect),
    Action: fc.array(action, { minLength: 1, maxLength: 3 }),
    Resource: fc.array(resourcePattern, { minLength: 1, maxLength: 3 }),
  });

function ev(statements: object[]): PolicyEvaluator {
  return new PolicyEvaluator([parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: statements }))]);
}

describe('Class: PolicyEvaluator (properties)', () => {
  it('an explicit Deny of a resource wins over any set of Allows', () => {
    fc.assert(
      fc.property(fc.array(statement('Allow'), { minLength: 1, maxLength: 5 }), topic, (allows, t) => {
        const resource = `${ARN}topic/${t}`;
        const deny = { Effect: 'Deny', Action: 'iot:Publish', Resource: resource };
        expect(ev([...allows, deny]).authorize('iot:Publish', resource, ctx).decision).toBe('explicit-deny');
        expect(ev([deny, ...allows]).authorize('iot:Publish', resource, ctx).decision).toBe('explicit-deny');
      }),
    );
  });

  it('a request is allowed only if some Allow statement matches it and no Deny does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(statement('Allow'), statement('Deny')), { maxLength: 6 }),
        fc.constantFrom('iot:Publish', 'iot:Receive'),
        topic,
        (statements, act, t) => {
          const resource = `${ARN}topic/${t}`;
          const single = statements.map((s) => ev([s]).authorize(act, resource, ctx).decision);
          const expected = single.includes('explicit-deny')
            ? 'explicit-deny'
            : single.includes('allow')
              ? 'allow'
              : 'implicit-deny';
          expect(statements.length === 0 ? 'implicit-deny' : ev(statements).authorize(act, resource, ctx).decision).toBe(
            expected,
          );
        },
      ),
    );
  });

  it('forConnection and authorize always agree', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(statement('Allow'), statement('Deny')), { minLength: 1, maxLength: 5 }), topic, (s, t) => {
        const e = ev(s);
        const check = e.forConnection(ctx);
        for (const a of ['iot:Publish', 'iot:Subscribe', 'iot:Connect']) {
          expect(check(a, `${ARN}topic/${t}`)).toEqual(e.authorize(a, `${ARN}topic/${t}`, ctx));
        }
      }),
    );
  });
});

describe('Function: matchPattern (properties)', () => {
  it('? matches exactly one character', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), fc.string({ maxLength: 3 }), (pre, post, mid) => {
        const clean = (s: string) => s.replace(/[*?$]/g, '_');
        const p = compilePattern(`${clean(pre)}?${clean(post)}`, noVars);
        expect(p).toBeDefined();
        const s = `${clean(pre)}${mid}${clean(post)}`;
        expect(matchPattern(p!, s)).toBe([...mid].length === 1);
      }),
    );
  });

  it('* matches any text, including / : + and #', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), fc.string({ maxLength: 30 }), fc.string({ maxLength: 8 }), (a, mid, b) => {
        const clean = (s: string) => s.replace(/[*?$]/g, '_');
        const p = compilePattern(`${clean(a)}*${clean(b)}`, noVars)!;
        expect(matchPattern(p, `${clean(a)}${mid}${clean(b)}`)).toBe(true);
      }),
    );
  });

  it('agrees with an equivalent regular expression', () => {
    const glob = fc.stringMatching(/^[ab*?/]{0,8}$/);
    const text = fc.stringMatching(/^[ab/+#]{0,12}$/);
    fc.assert(
      fc.property(glob, text, (g, s) => {
        const re = new RegExp(`^${[...g].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[/+]/g, '\\$&'))).join('')}$`, 's');
        expect(matchPattern(compilePattern(g, noVars)!, s)).toBe(re.test(s));
      }),
      { numRuns: 500 },
    );
  });

  // A backtracking regex needs ~256^7 steps here and would hit the test timeout.
  it('answers a pattern that makes backtracking regexes explode', () => {
    const p = compilePattern('*a*a*a*a*a*a*a*b', noVars)!;
    expect(matchPattern(p, 'a'.repeat(256))).toBe(false);
    expect(matchPattern(p, `${'a'.repeat(256)}b`)).toBe(true);
  });
});
