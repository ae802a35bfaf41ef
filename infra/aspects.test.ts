import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { IotPolicy } from '@cdktf/provider-aws/lib/iot-policy';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { App, TerraformResource, Testing } from 'cdktf';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_NAMES, type Synthesized, synthesize, TEST_ENV } from '../test/support/infra/synth';
import { policyProblems } from './aspects';
import { loadInfraConfig } from './config';
import { PROVISIONING_MANAGED_POLICY, policyDocument, wildcardResourceStatement } from './policy';
import { PulsepetStack } from './pulsepet-stack';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

/** A fresh stack with the app-wide aspects, to put one offending resource in. */
function stack(): PulsepetStack {
  return new PulsepetStack(new App({ outdir: join(tmpdir(), 'pp-aspects') }), 'aspect-test', loadInfraConfig(TEST_ENV));
}

describe('Aspects', () => {
  describe('Tags', () => {
    it.each(STACK_NAMES.map((n) => [n]))('tags every taggable resource of the %s stack', (name) => {
      const taggable = s.stacks[name].node.findAll().filter((c): c is TerraformResource => c instanceof TerraformResource && 'tagsInput' in c);
      expect(taggable.length).toBeGreaterThan(0);
      for (const r of taggable) {
        const tf = s.json[name].resource?.[r.terraformResourceType]?.[r.friendlyUniqueId];
        expect(tf?.tags, r.node.path).toEqual({ Project: 'pulsepet', Stage: 'prod', ManagedBy: 'cdktf' });
      }
    });

    it('keeps a resource’s own tag over the common one', () => {
      const st = stack();
      new SqsQueue(st, 'q', { name: 'q', sqsManagedSseEnabled: true, tags: { Stage: 'canary' } });
      expect(Testing.toHaveResourceWithProperties(Testing.synth(st), 'aws_sqs_queue', { tags: { Project: 'pulsepet', Stage: 'canary', ManagedBy: 'cdktf' } })).toBe(true);
    });
  });

  describe('Least privilege', () => {
    it('finds nothing wrong in any policy the stacks synthesize', () => {
      // the aspect throws during synthesis; reaching here means every document passed
      expect(STACK_NAMES.every((n) => s.raw[n].length > 0)).toBe(true);
    });

    it('refuses a wildcard action, "*" for an action that can be scoped, and NotAction', () => {
      expect(policyProblems(policyDocument([{ Sid: 'A', Effect: 'Allow', Action: 'iot:*', Resource: 'arn:aws:iot:eu-west-1:123456789012:topic/x' }]))).toEqual([
        'A: wildcard action iot:*',
      ]);
      expect(policyProblems(policyDocument([{ Sid: 'B', Effect: 'Allow', Action: ['iot:Publish'], Resource: '*' }]))).toEqual(['B: "Resource": "*" for iot:Publish']);
      expect(policyProblems(JSON.stringify({ Statement: [{ Sid: 'C', Effect: 'Allow', NotAction: 'iam:*', Resource: 'x' }] }))).toContain('C: NotAction/NotResource');
      expect(policyProblems(policyDocument([wildcardResourceStatement('D', ['timestream:DescribeEndpoints'])]))).toEqual([]);
      expect(policyProblems(policyDocument([{ Sid: 'E', Effect: 'Allow', Principal: { AWS: 'x' }, Action: 'kms:*', Resource: '*' }]), true)).toEqual([]);
      expect(() => wildcardResourceStatement('F', ['s3:GetObject'])).toThrow(/must name its resources/);
    });

    it('stops the synthesis of a stack with a role policy or an IoT policy on "*"', () => {
      const st = stack();
      new IamRolePolicy(st, 'p', { role: 'r', policy: policyDocument([{ Sid: 'All', Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: '*' }]) });
      expect(() => Testing.synth(st)).toThrow(/aspect-test\/p: All: "Resource": "\*" for sqs:SendMessage/);
      const st2 = stack();
      new IotPolicy(st2, 'iot', { name: 'open', policy: policyDocument([{ Sid: 'Any', Effect: 'Allow', Action: 'iot:*', Resource: '*' }]) });
      expect(() => Testing.synth(st2)).toThrow(/wildcard action iot:\*/);
    });

    it('stops the synthesis of a managed policy attachment the allowlist does not name, and passes one it names', () => {
      const st = stack();
      new IamRolePolicyAttachment(st, 'admin', { role: 'r', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
      expect(() => Testing.synth(st)).toThrow(/aspect-test\/admin: managed policy arn:aws:iam::aws:policy\/AdministratorAccess is not in policy.ts ALLOWED_MANAGED_POLICIES/);
      const st2 = stack();
      new IamRolePolicyAttachment(st2, 'registration', { role: 'r', policyArn: PROVISIONING_MANAGED_POLICY });
      expect(() => Testing.synth(st2)).not.toThrow();
    });
  });

  describe('Encryption at rest', () => {
    it('stops the synthesis of an unencrypted queue or topic', () => {
      const st = stack();
      new SqsQueue(st, 'plain', { name: 'plain' });
      expect(() => Testing.synth(st)).toThrow(/plain: queue without encryption/);
      const st2 = stack();
      new SnsTopic(st2, 't', { name: 't' });
      expect(() => Testing.synth(st2)).toThrow(/topic without kmsMasterKeyId/);
    });

    it('stops the synthesis of a bucket without a server-side encryption configuration, and passes one with it', () => {
      const st = stack();
      new S3Bucket(st, 'b', { bucket: 'b' });
      expect(() => Testing.synth(st)).toThrow(/bucket without a server-side encryption/);
      const st2 = stack();
      const b = new S3Bucket(st2, 'b', { bucket: 'b' });
      new S3BucketServerSideEncryptionConfigurationA(st2, 'sse', { bucket: b.id, rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }] });
      expect(() => Testing.synth(st2)).not.toThrow();
    });
  });

  describe('Terraform escaping', () => {
    it.each(STACK_NAMES.map((n) => [n]))('leaves no unescaped template in the %s stack but references to Terraform objects', (name) => {
      const interpolations = [...s.raw[name].matchAll(/(?<!\$)\$\{([^}]*)\}/g)].map((m) => m[1] ?? '');
      expect(interpolations.filter((i) => !/^(aws_[\w-]+\.|data\.aws_[\w-]+\.|var\.)[\w.-]+/.test(i))).toEqual([]);
      expect(s.raw[name]).not.toMatch(/(?<!%)%\{/);
    });
  });
});
