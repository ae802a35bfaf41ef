import { describe, expect, it } from 'vitest';
import { MAX_IAM_ROLE_POLICY_CHARS, parsePolicyDocument, PolicyEvaluator } from '../local/policy/index';
import {
  DISPLAY_IDENTITY_POOL_NAME,
  displayIotPolicyDocument,
  displayRoleArn,
  displayRolePolicyDocument,
  displayRoleTrustPolicyDocument,
  displaySessionArn,
} from './display-access';

const scope = { region: 'eu-west-1', accountId: '123456789012' };
const iot = (resource: string) => `arn:aws:iot:${scope.region}:${scope.accountId}:${resource}`;
const ctx = (clientId: string) => ({ ...scope, clientId });
const role = new PolicyEvaluator([parsePolicyDocument(displayRolePolicyDocument(scope), { maxChars: MAX_IAM_ROLE_POLICY_CHARS })]);
const iotPolicy = new PolicyEvaluator([parsePolicyDocument(displayIotPolicyDocument())]);

/** [action, resource (without the ARN prefix), client id, allowed] */
const MQTT_CASES: Array<[string, string, string, boolean]> = [
  ['iot:Connect', 'client/display-1a2b', 'display-1a2b', true],
  ['iot:Connect', 'client/pet-1', 'pet-1', false],
  ['iot:Subscribe', 'topicfilter/$aws/things/+/shadow/name/pet/update/documents', 'display-1', true],
  ['iot:Subscribe', 'topicfilter/$aws/things/pet-1/shadow/name/daily/get/accepted', 'display-1', true],
  ['iot:Subscribe', 'topicfilter/$aws/things/pet-1/shadow/name/config/update/accepted', 'display-1', true],
  ['iot:Subscribe', 'topicfilter/$aws/things/pet-1/shadow/name/config/update/documents', 'display-1', false],
  ['iot:Subscribe', 'topicfilter/$aws/things/pet-1/shadow/name/reasoning/update/documents', 'display-1', false],
  ['iot:Subscribe', 'topicfilter/$aws/things/pet-1/shadow/update/documents', 'display-1', false],
  ['iot:Subscribe', 'topicfilter/dt/pulsepet/+/telemetry', 'display-1', false],
  ['iot:Subscribe', 'topicfilter/#', 'display-1', false],
  ['iot:Receive', 'topic/$aws/things/pet-1/shadow/name/pet/update/delta', 'display-1', true],
  ['iot:Receive', 'topic/$aws/things/pet-1/shadow/name/reasoning/get/accepted', 'display-1', false],
  ['iot:Receive', 'topic/dt/pulsepet/pet-1/telemetry', 'display-1', false],
  ['iot:Publish', 'topic/$aws/things/pet-1/shadow/name/pet/get', 'display-1', true],
  ['iot:Publish', 'topic/$aws/things/pet-1/shadow/name/daily/get', 'display-1', true],
  ['iot:Publish', 'topic/$aws/things/pet-1/shadow/name/config/update', 'display-1', true],
  ['iot:Publish', 'topic/$aws/things/pet-1/shadow/name/pet/update', 'display-1', false],
  ['iot:Publish', 'topic/$aws/things/pet-1/shadow/name/pet/delete', 'display-1', false],
  ['iot:Publish', 'topic/$aws/things/pet-1/shadow/name/config/get', 'display-1', false],
  ['iot:Publish', 'topic/dt/pulsepet/pet-1/telemetry', 'display-1', false],
  ['iot:RetainPublish', 'topic/$aws/things/pet-1/shadow/name/config/update', 'display-1', false],
];

describe('Function: displayRolePolicyDocument', () => {
  it.each(MQTT_CASES)('%s on %s as %s: allowed %s', (action, resource, clientId, allowed) => {
    expect(role.authorize(action, iot(resource), ctx(clientId)).allowed).toBe(allowed);
  });

  it.each([
    ['iot:GetThingShadow', iot('thing/pet-1/pet'), true],
    ['iot:GetThingShadow', iot('thing/pet-1/daily'), true],
    ['iot:GetThingShadow', iot('thing/pet-1/reasoning'), false],
    ['iot:GetThingShadow', iot('thing/pet-1/config'), false],
    ['iot:GetThingShadow', iot('thing/pet-1'), false],
    ['iot:UpdateThingShadow', iot('thing/pet-1/config'), true],
    ['iot:UpdateThingShadow', iot('thing/pet-1/pet'), false],
    ['iot:DeleteThingShadow', iot('thing/pet-1/config'), false],
    ['iot:ListThings', '*', false],
    ['timestream:Select', 'arn:aws:timestream:eu-west-1:123456789012:database/pulsepet/table/telemetry', true],
    ['timestream:Select', 'arn:aws:timestream:eu-west-1:123456789012:database/pulsepet/table/daily', true],
    ['timestream:Select', 'arn:aws:timestream:eu-west-1:123456789012:database/pulsepet/table/presence', true],
    ['timestream:Select', 'arn:aws:timestream:eu-west-1:123456789012:database/pulsepet/table/petStates', true],
    ['timestream:Select', 'arn:aws:timestream:eu-west-1:123456789012:database/pulsepet/table/operatorNotes', false],
    ['timestream:Select', 'arn:aws:timestream:us-east-1:123456789012:database/pulsepet/table/telemetry', false],
    ['timestream:WriteRecords', 'arn:aws:timestream:eu-west-1:123456789012:database/pulsepet/table/telemetry', false],
    ['timestream:DescribeEndpoints', '*', true],
    ['bedrock:InvokeModel', '*', false],
    ['s3:GetObject', 'arn:aws:s3:::pulsepet-avatars/avatars/0f3a.png', true],
    ['s3:GetObject', 'arn:aws:s3:::pulsepet-avatars/private/notes.txt', false],
    ['s3:GetObject', 'arn:aws:s3:::other-bucket/avatars/0f3a.png', false],
    ['s3:PutObject', 'arn:aws:s3:::pulsepet-avatars/avatars/0f3a.png', false],
    ['s3:ListBucket', 'arn:aws:s3:::pulsepet-avatars', false],
  ])('%s on %s: allowed %s', (action, resource, allowed) => {
    expect(role.authorize(action, resource, ctx('')).allowed).toBe(allowed);
  });

  it('names only resources of its own region and account (S3 ARNs name neither), and fits a managed policy (6,144 characters)', () => {
    const doc = JSON.parse(displayRolePolicyDocument(scope)) as { Statement: Array<{ Resource: string | string[] }> };
    const resources = doc.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    const regional = resources.filter((r) => r !== '*' && !r.startsWith('arn:aws:s3:::'));
    expect(regional.filter((r) => !r.includes(`:${scope.region}:${scope.accountId}:`))).toEqual([]);
    expect(displayRolePolicyDocument(scope).length).toBeLessThanOrEqual(6144);
  });
});

describe('Function: displayIotPolicyDocument', () => {
  it('is a valid IoT policy (at most 2,048 characters) with the role’s MQTT decisions', () => {
    for (const [action, resource, clientId, allowed] of MQTT_CASES) {
      expect(iotPolicy.authorize(action, iot(resource), ctx(clientId)).allowed, `${action} ${resource}`).toBe(allowed);
    }
  });

  it('grants no shadow HTTP or Timestream action', () => {
    expect(iotPolicy.authorize('iot:GetThingShadow', iot('thing/pet-1/pet'), ctx('')).allowed).toBe(false);
    expect(iotPolicy.authorize('timestream:Select', '*', ctx('')).allowed).toBe(false);
  });
});

describe('Function: displayRoleTrustPolicyDocument', () => {
  it('lets only unauthenticated identities of the given pool assume the role through Cognito', () => {
    const trust = JSON.parse(displayRoleTrustPolicyDocument('eu-west-1:0a1b2c3d-0000-4000-8000-000000000000'));
    expect(trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: 'cognito-identity.amazonaws.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': 'eu-west-1:0a1b2c3d-0000-4000-8000-000000000000' },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'unauthenticated' },
        },
      },
    ]);
  });

  it('names the role, its Cognito session and a pool name Cognito accepts ([\\w ]+)', () => {
    expect(displayRoleArn('123456789012')).toBe('arn:aws:iam::123456789012:role/pulsepet-display');
    expect(displaySessionArn('123456789012')).toBe('arn:aws:sts::123456789012:assumed-role/pulsepet-display/CognitoIdentityCredentials');
    expect(DISPLAY_IDENTITY_POOL_NAME).toMatch(/^[\w ]+$/);
  });
});
