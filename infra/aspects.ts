import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { IotPolicy } from '@cdktf/provider-aws/lib/iot-policy';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { type IAspect, TerraformResource, TerraformStack, Tokenization } from 'cdktf';
import type { IConstruct } from 'constructs';
import { ALLOWED_MANAGED_POLICIES, listOf, type PolicyStatement, WILDCARD_RESOURCE_ACTIONS } from './policy';

/**
 * The rules that hold for the whole app, applied to every stack (pulsepet-stack.ts) and
 * checked while it is synthesized: a breach stops `cdktf synth` with the construct's path.
 */

/** Tags on every resource that takes them (its own tags win). */
export class TagsAspect implements IAspect {
  constructor(private readonly tags: Readonly<Record<string, string>>) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformResource) || !('tagsInput' in node)) return;
    const taggable = node as TerraformResource & { tags: Record<string, string>; tagsInput?: Record<string, string> };
    taggable.tags = { ...this.tags, ...(taggable.tagsInput ?? {}) };
  }
}

/** A policy document of one resource, and whether it is a KMS key policy (where `*` is the key itself). */
function documentOf(node: IConstruct): { doc: string; keyPolicy: boolean } | undefined {
  if (node instanceof IamRolePolicy || node instanceof IamPolicy || node instanceof IotPolicy) return { doc: node.policyInput ?? '', keyPolicy: false };
  if (node instanceof SnsTopicPolicy || node instanceof S3BucketPolicy) return { doc: node.policyInput ?? '', keyPolicy: false };
  if (node instanceof KmsKey) return node.policyInput === undefined ? undefined : { doc: node.policyInput, keyPolicy: true };
  return undefined;
}

/**
 * Least privilege, checked on every IAM, IoT, key, topic and bucket policy: no `NotAction`
 * or `NotResource`, no action wildcard (`*`, `iot:*`), and `"Resource": "*"` only for the
 * actions AWS authorizes on nothing narrower (policy.ts WILDCARD_RESOURCE_ACTIONS). In a
 * KMS key policy `*` names the key itself, and the account statement (`kms:*` for the
 * account root) is AWS's default key policy, so both are allowed there. A managed policy
 * may be attached only if policy.ts ALLOWED_MANAGED_POLICIES names it.
 */
export class LeastPrivilegeAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof IamRolePolicyAttachment) {
      const arn = node.policyArnInput ?? '';
      if (ALLOWED_MANAGED_POLICIES[arn] === undefined) throw new Error(`${node.node.path}: managed policy ${arn} is not in policy.ts ALLOWED_MANAGED_POLICIES`);
      return;
    }
    const found = documentOf(node);
    if (found === undefined) return;
    const problems = policyProblems(found.doc, found.keyPolicy);
    if (problems.length > 0) throw new Error(`${node.node.path}: ${problems.join('; ')}`);
  }
}

/** What is wrong with one policy document (empty: nothing). */
export function policyProblems(doc: string, keyPolicy = false): string[] {
  let parsed: { Statement?: PolicyStatement | PolicyStatement[] };
  try {
    parsed = JSON.parse(doc) as typeof parsed;
  } catch {
    return ['the policy is not a JSON document written at synthesis'];
  }
  const problems: string[] = [];
  for (const st of [parsed.Statement ?? []].flat()) {
    const raw = st as unknown as Record<string, unknown>;
    if ('NotAction' in raw || 'NotResource' in raw) problems.push(`${st.Sid ?? '?'}: NotAction/NotResource`);
    if (st.Effect !== 'Allow') continue;
    const actions = listOf(st.Action);
    const resources = listOf(st.Resource);
    if (!keyPolicy && actions.some((a) => a === '*' || a.endsWith(':*'))) problems.push(`${st.Sid ?? '?'}: wildcard action ${actions.join(', ')}`);
    if (!keyPolicy && resources.includes('*')) {
      const unexplained = actions.filter((a) => WILDCARD_RESOURCE_ACTIONS[a] === undefined);
      if (unexplained.length > 0) problems.push(`${st.Sid ?? '?'}: "Resource": "*" for ${unexplained.join(', ')}`);
    }
  }
  return problems;
}

/**
 * Encryption at rest where the service offers a switch: queues (SSE-SQS or KMS), topics
 * (KMS), buckets (a server-side encryption configuration in the same stack). Timestream,
 * CloudWatch Logs, Lambda environments and Scheduler encrypt always.
 */
export class EncryptionAspect implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof SqsQueue && node.sqsManagedSseEnabledInput !== true && node.kmsMasterKeyIdInput === undefined) {
      throw new Error(`${node.node.path}: queue without encryption at rest (sqsManagedSseEnabled or kmsMasterKeyId)`);
    }
    if (node instanceof SnsTopic && node.kmsMasterKeyIdInput === undefined) throw new Error(`${node.node.path}: topic without kmsMasterKeyId`);
    if (node instanceof TerraformStack) {
      const all = node.node.findAll();
      // what the configurations' `bucket` arguments refer to (`aws_s3_bucket.x.id`)
      const encrypted = all
        .filter((c) => c instanceof S3BucketServerSideEncryptionConfigurationA)
        .flatMap((c) => Tokenization.reverseString(c.bucketInput ?? '').tokens.map((t) => String((t as { identifier?: unknown }).identifier)));
      for (const b of all) {
        if (!(b instanceof S3Bucket)) continue;
        const ref = `${b.terraformResourceType}.${b.friendlyUniqueId}.`;
        if (!encrypted.some((e) => e.startsWith(ref))) throw new Error(`${b.node.path}: bucket without a server-side encryption configuration`);
      }
    }
  }
}
