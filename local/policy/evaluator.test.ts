import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from './document';
import { type AuthzContext, PolicyEvaluator } from './evaluator';

// Policy variables are IoT syntax, not JS templates; build them without `${` literals in source.
const v = (name: string): string => `$${'{'}${name}}`;
const ARN = 'arn:aws:iot:us-east-1:123456789012:';
const base: AuthzContext = { region: 'us-east-1', accountId: '123456789012', clientId: 'client1' };

function evaluator(...statements: object[]): PolicyEvaluator {
  return new PolicyEvaluator([parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: statements }))]);
}

interface Case {
  name: string;
  /** AWS doc page the policy comes from */
  source: string;
  statements: object[];
  ctx?: Partial<AuthzContext>;
  action: string;
  resource: string;
  expected: 'allow' | 'explicit-deny' | 'implicit-deny';
}

const PUBSUB = 'https://docs.aws.amazon.com/iot/latest/developerguide/pub-sub-policy.html';
const CONNECT = 'https://docs.aws.amazon.com/iot/latest/developerguide/connect-policy.html';
const THING = 'https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-examples.html';
const VARS = 'https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-variables.html';
const CERT = 'https://docs.aws.amazon.com/iot/latest/developerguide/cert-policy-variables.html';

const subscribeSomeStarTopic = { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ARN}topicfilter/some/*/topic` };
const subscribeLiteralPlus = { Effect: 'Allow', Action: 'iot:Subscribe', Resource: `${ARN}topicfilter/some/+/topic` };
const isAttached = {
  Effect: 'Allow',
  Action: 'iot:Connect',
  Resource: '*',
  Condition: { Bool: { 'iot:Connection.Thing.IsAttached': ['true'] } },
};
const attrTopic = {
  Effect: 'Allow',
  Action: 'iot:Publish',
  Resource: `${ARN}topic/${v('iot:Connection.Thing.Attributes[attributeName]')}/*`,
};
const attached = { thingName: 'thingOne', thingAttributes: { attributeName: 'room1' }, thingTypeName: 'Thing_Type_Name' };

const cases: Case[] = [
  {
    name: 'a * in a topic filter resource allows the MQTT filter some/+/topic',
    source: PUBSUB,
    statements: [subscribeSomeStarTopic],
    action: 'iot:Subscribe',
    resource: `${ARN}topicfilter/some/+/topic`,
    expected: 'allow',
  },
  {
    name: 'a * is not confined to one topic level',
    source: PUBSUB,
    statements: [subscribeSomeStarTopic],
    action: 'iot:Subscribe',
    resource: `${ARN}topicfilter/some/a/b/topic`,
    expected: 'allow',
  },
  {
    name: 'a literal + in a policy allows only the filter spelled with +',
    source: PUBSUB,
    statements: [subscribeLiteralPlus],
    action: 'iot:Subscribe',
    resource: `${ARN}topicfilter/some/+/topic`,
    expected: 'allow',
  },
  {
    name: 'a literal + in a policy is not an MQTT wildcard for a concrete filter',
    source: PUBSUB,
    statements: [subscribeLiteralPlus],
    action: 'iot:Subscribe',
    resource: `${ARN}topicfilter/some/a/topic`,
    expected: 'implicit-deny',
  },
  {
    name: 'a literal # in a policy does not cover deeper topics',
    source: VARS,
    statements: [{ Effect: 'Allow', Action: 'iot:Receive', Resource: `${ARN}topic/some/#` }],
    action: 'iot:Receive',
    resource: `${ARN}topic/some/deeper`,
    expected: 'implicit-deny',
  },
  {
    name: 'three ? match a three-character topic level',
    source: PUBSUB,
    statements: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}topic/some/???/topic` }],
    action: 'iot:Publish',
    resource: `${ARN}topic/some/abc/topic`,
    expected: 'allow',
  },
  {
    name: 'three ? do not match a two-character topic level',
    source: PUBSUB,
    statements: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}topic/some/???/topic` }],
    action: 'iot:Publish',
    resource: `${ARN}topic/some/ab/topic`,
    expected: 'implicit-deny',
  },
  {
    name: 'a client allowed by exact client id connects',
    source: CONNECT,
    statements: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/client1` }],
    action: 'iot:Connect',
    resource: `${ARN}client/client1`,
    expected: 'allow',
  },
  {
    name: 'another client id is refused',
    source: CONNECT,
    statements: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/client1` }],
    action: 'iot:Connect',
    resource: `${ARN}client/client2`,
    expected: 'implicit-deny',
  },
  {
    name: 'the iot:ClientId variable resolves to the connecting client id',
    source: VARS,
    statements: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/${v('iot:ClientId')}` }],
    ctx: { clientId: '100-234-3456' },
    action: 'iot:Connect',
    resource: `${ARN}client/100-234-3456`,
    expected: 'allow',
  },
  {
    name: 'IsAttached=true lets a certificate attached to a thing connect',
    source: THING,
    statements: [isAttached],
    ctx: attached,
    action: 'iot:Connect',
    resource: `${ARN}client/thingOne`,
    expected: 'allow',
  },
  {
    name: 'IsAttached=true refuses a certificate attached to no thing',
    source: THING,
    statements: [isAttached],
    action: 'iot:Connect',
    resource: `${ARN}client/client1`,
    expected: 'implicit-deny',
  },
  {
    name: 'StringEquals on thing attribute and thing type allows the matching thing',
    source: THING,
    statements: [
      {
        Effect: 'Allow',
        Action: ['iot:Publish'],
        Resource: `${ARN}topic/device/stats`,
        Condition: {
          StringEquals: {
            'iot:Connection.Thing.Attributes[attributeName]': 'room1',
            'iot:Connection.Thing.ThingTypeName': 'Thing_Type_Name',
          },
          Bool: { 'iot:Connection.Thing.IsAttached': 'true' },
        },
      },
    ],
    ctx: attached,
    action: 'iot:Publish',
    resource: `${ARN}topic/device/stats`,
    expected: 'allow',
  },
  {
    name: 'StringEquals on a thing attribute refuses a thing with another value',
    source: THING,
    statements: [
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: `${ARN}topic/device/stats`,
        Condition: { StringEquals: { 'iot:Connection.Thing.Attributes[attributeName]': 'room2' } },
      },
    ],
    ctx: attached,
    action: 'iot:Publish',
    resource: `${ARN}topic/device/stats`,
    expected: 'implicit-deny',
  },
  {
    name: 'a topic built from a thing attribute is allowed for the attached thing',
    source: THING,
    statements: [attrTopic],
    ctx: attached,
    action: 'iot:Publish',
    resource: `${ARN}topic/room1/temperature`,
    expected: 'allow',
  },
  {
    name: 'an unresolved thing variable (no thing attached) results in access denied',
    source: THING,
    statements: [attrTopic],
    action: 'iot:Publish',
    resource: `${ARN}topic//temperature`,
    expected: 'implicit-deny',
  },
  {
    name: 'the iot:Certificate.Subject.CommonName variable resolves to the certificate CN',
    source: CERT,
    statements: [
      { Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}topic/${v('iot:Certificate.Subject.CommonName')}/*` },
    ],
    ctx: { subjectCommonName: 'sensor-7' },
    action: 'iot:Publish',
    resource: `${ARN}topic/sensor-7/data`,
    expected: 'allow',
  },
  {
    name: 'an explicit Deny beats an Allow of everything',
    source: 'https://docs.aws.amazon.com/iot/latest/developerguide/iot-policies.html',
    statements: [
      { Effect: 'Allow', Action: 'iot:*', Resource: '*' },
      { Effect: 'Deny', Action: 'iot:Publish', Resource: `${ARN}topic/secret/*` },
    ],
    action: 'iot:Publish',
    resource: `${ARN}topic/secret/x`,
    expected: 'explicit-deny',
  },
  {
    name: 'an action wildcard iot:*Shadow covers GetThingShadow',
    source: 'https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html',
    statements: [{ Effect: 'Allow', Action: 'iot:*Shadow', Resource: `${ARN}thing/thingOne` }],
    action: 'iot:GetThingShadow',
    resource: `${ARN}thing/thingOne`,
    expected: 'allow',
  },
  {
    name: 'an action wildcard iot:*Shadow does not cover Publish',
    source: 'https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html',
    statements: [{ Effect: 'Allow', Action: 'iot:*Shadow', Resource: '*' }],
    action: 'iot:Publish',
    resource: `${ARN}topic/a`,
    expected: 'implicit-deny',
  },
  {
    name: 'the special variable for * in a resource is a literal asterisk, not a wildcard',
    source: VARS,
    statements: [{ Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}topic/a/${v('*')}` }],
    action: 'iot:Publish',
    resource: `${ARN}topic/a/b`,
    expected: 'implicit-deny',
  },
];

describe('Class: PolicyEvaluator', () => {
  describe('Method: authorize (AWS policy examples)', () => {
    it.each(cases)('$name', ({ statements, ctx, action, resource, expected }) => {
      const r = evaluator(...statements).authorize(action, resource, { ...base, ...ctx });
      expect(r.decision).toBe(expected);
      expect(r.allowed).toBe(expected === 'allow');
    });

    it('treats the special variable for * as matching the literal asterisk', () => {
      const ev = evaluator({ Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}topic/a/${v('*')}` });
      expect(ev.authorize('iot:Publish', `${ARN}topic/a/*`, base).allowed).toBe(true);
    });

    it('matches action names case-insensitively, as IAM does', () => {
      const ev = evaluator({ Effect: 'Allow', Action: 'iot:publish', Resource: '*' });
      expect(ev.authorize('iot:Publish', `${ARN}topic/a`, base).allowed).toBe(true);
    });

    it('matches resource ARNs case-sensitively', () => {
      const ev = evaluator({ Effect: 'Allow', Action: 'iot:Publish', Resource: `${ARN}topic/Abc` });
      expect(ev.authorize('iot:Publish', `${ARN}topic/abc`, base).allowed).toBe(false);
    });

    it('lets an explicit Deny in one attached policy override an Allow in another', () => {
      const allow = parsePolicyDocument(
        JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'iot:*', Resource: '*' } }),
      );
      const deny = parsePolicyDocument(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: { Effect: 'Deny', Action: 'iot:Connect', Resource: `${ARN}client/${v('iot:ClientId')}` },
        }),
      );
      const ev = new PolicyEvaluator([allow, deny]);
      expect(ev.authorize('iot:Connect', `${ARN}client/client1`, base).decision).toBe('explicit-deny');
      expect(ev.authorize('iot:Publish', `${ARN}topic/t`, base).decision).toBe('allow');
    });

    it('denies by default when no policy is attached', () => {
      expect(new PolicyEvaluator([]).authorize('iot:Connect', `${ARN}client/client1`, base).decision).toBe(
        'implicit-deny',
      );
    });

    it('keeps the other resource entries of a statement when one has an unresolved variable', () => {
      const ev = evaluator({
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [`${ARN}topic/${v('iot:Connection.Thing.ThingName')}/x`, `${ARN}topic/public`],
      });
      expect(ev.authorize('iot:Publish', `${ARN}topic/public`, base).allowed).toBe(true);
      expect(ev.authorize('iot:Publish', `${ARN}topic//x`, base).allowed).toBe(false);
    });

    it('does not apply a Deny whose variable cannot be resolved', () => {
      const ev = evaluator(
        { Effect: 'Allow', Action: 'iot:Publish', Resource: '*' },
        { Effect: 'Deny', Action: 'iot:Publish', Resource: `${ARN}topic/${v('iot:Connection.Thing.ThingName')}/*` },
      );
      expect(ev.authorize('iot:Publish', `${ARN}topic/x/y`, base).decision).toBe('allow');
    });
  });

  describe('Method: authorize (conditions)', () => {
    it('treats a missing key as satisfying a negated operator and failing a positive one', () => {
      const notEquals = evaluator({
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: '*',
        Condition: { StringNotEquals: { 'iot:Connection.Thing.ThingTypeName': 'blocked' } },
      });
      const equals = evaluator({
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: '*',
        Condition: { StringEquals: { 'iot:Connection.Thing.ThingTypeName': 'blocked' } },
      });
      expect(notEquals.authorize('iot:Connect', `${ARN}client/client1`, base).allowed).toBe(true);
      expect(equals.authorize('iot:Connect', `${ARN}client/client1`, base).allowed).toBe(false);
    });

    it('evaluates StringLike with wildcards against the client id', () => {
      const ev = evaluator({
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: '*',
        Condition: { StringLike: { 'iot:ClientId': ['pet-*', 'op-??'] } },
      });
      expect(ev.authorize('iot:Connect', `${ARN}client/x`, { ...base, clientId: 'pet-17' }).allowed).toBe(true);
      expect(ev.authorize('iot:Connect', `${ARN}client/x`, { ...base, clientId: 'op-12' }).allowed).toBe(true);
      expect(ev.authorize('iot:Connect', `${ARN}client/x`, { ...base, clientId: 'op-123' }).allowed).toBe(false);
    });

    it('evaluates Null: true only when the key is absent', () => {
      const ev = evaluator({
        Effect: 'Deny',
        Action: 'iot:Connect',
        Resource: '*',
        Condition: { Null: { 'iot:Certificate.Subject.CommonName': 'true' } },
      });
      expect(ev.authorize('iot:Connect', `${ARN}client/x`, base).decision).toBe('explicit-deny');
      expect(ev.authorize('iot:Connect', `${ARN}client/x`, { ...base, subjectCommonName: 'cn' }).decision).toBe(
        'implicit-deny',
      );
    });

    it('substitutes variables in condition values', () => {
      const ev = evaluator({
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: '*',
        Condition: { StringEquals: { 'iot:ClientId': v('iot:Connection.Thing.ThingName') } },
      });
      expect(ev.authorize('iot:Connect', `${ARN}client/a`, { ...base, clientId: 'a', thingName: 'a' }).allowed).toBe(
        true,
      );
      expect(ev.authorize('iot:Connect', `${ARN}client/a`, { ...base, clientId: 'a', thingName: 'b' }).allowed).toBe(
        false,
      );
    });
  });

  describe('Method: forConnection', () => {
    it('returns a check that agrees with authorize and keeps its context', () => {
      const ev = evaluator({
        Effect: 'Allow',
        Action: ['iot:Publish', 'iot:Receive'],
        Resource: `${ARN}topic/dt/${v('iot:ClientId')}/*`,
      });
      const a = ev.forConnection({ ...base, clientId: 'a' });
      const b = ev.forConnection({ ...base, clientId: 'b' });
      expect(a('iot:Publish', `${ARN}topic/dt/a/t`).allowed).toBe(true);
      expect(a('iot:Publish', `${ARN}topic/dt/b/t`).allowed).toBe(false);
      expect(b('iot:Receive', `${ARN}topic/dt/b/t`).allowed).toBe(true);
      expect(a('iot:Subscribe', `${ARN}topicfilter/dt/a/t`).decision).toBe('implicit-deny');
    });
  });
});
