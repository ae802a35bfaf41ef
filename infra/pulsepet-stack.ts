import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Aspects, S3Backend, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { AwsScope } from './arns';
import { EncryptionAspect, LeastPrivilegeAspect, TagsAspect } from './aspects';
import type { InfraConfig } from './config';

/**
 * A pulsepet stack: one concern (iot, data, compute, display, observability) with its
 * own Terraform state, the AWS provider pinned to the configured region and account
 * (`allowed_account_ids`: credentials for another account stop the plan), and a remote
 * state when a state bucket is configured. The app-wide rules (aspects.ts: tags, least
 * privilege, encryption at rest) are checked on every stack as it is synthesized.
 */
export class PulsepetStack extends TerraformStack {
  readonly config: InfraConfig;
  readonly aws: AwsScope;

  constructor(scope: Construct, concern: string, config: InfraConfig) {
    super(scope, `${config.namePrefix}-${concern}`);
    this.config = config;
    this.aws = { region: config.region, accountId: config.accountId };
    new AwsProvider(this, 'aws', { region: config.region, allowedAccountIds: [config.accountId] });
    Aspects.of(this).add(new TagsAspect(config.tags));
    Aspects.of(this).add(new LeastPrivilegeAspect());
    Aspects.of(this).add(new EncryptionAspect());
    if (config.stateBucket !== undefined) {
      const backend = new S3Backend(this, { bucket: config.stateBucket, key: `${config.namePrefix}/${concern}.tfstate`, region: config.region, encrypt: true });
      // S3-native state locking (Terraform ≥ 1.10), which cdktf 0.21's backend type predates
      backend.addOverride('use_lockfile', true);
    }
  }

  /** A name for a resource the contract does not name: `{prefix}-{suffix}`. */
  name(suffix: string): string {
    return `${this.config.namePrefix}-${suffix}`;
  }
}
