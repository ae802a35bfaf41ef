import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import type { Construct } from 'constructs';
import { FUNCTIONS } from '../functions/registry';
import { snsTopicArn } from './arns';
import { AlarmsConstruct } from './alarms';
import type { InfraConfig } from './config';
import { DashboardConstruct } from './dashboard';
import { alarmTopicName, functionLogGroup, IOT_LOG_GROUP } from './names';
import { policyDocument } from './policy';
import { PulsepetStack } from './pulsepet-stack';

/**
 * What an operator watches: the log groups (created here with their retention, before
 * Lambda or IoT Core would create them without one), the alarm topic (encrypted with a
 * key CloudWatch may use), the alarms and the dashboard. Everything is named from the
 * contract, so this stack needs no other stack's outputs.
 */
export class ObservabilityStack extends PulsepetStack {
  readonly logGroups = new Map<string, CloudwatchLogGroup>();
  readonly topic: SnsTopic;

  constructor(scope: Construct, config: InfraConfig) {
    super(scope, 'observability', config);
    for (const name of [...FUNCTIONS.map((f) => functionLogGroup(f.name)), IOT_LOG_GROUP]) {
      // CloudWatch Logs encrypts every log group at rest (AWS owned key) unless given a KMS key
      this.logGroups.set(name, new CloudwatchLogGroup(this, `log-${name.replace(/\W+/g, '-')}`, { name, retentionInDays: config.logRetentionDays }));
    }
    this.topic = this.alarmTopic();
    new AlarmsConstruct(this, 'alarms', config, this.topic.arn);
    new DashboardConstruct(this, 'dashboard', config);
  }

  private alarmTopic(): SnsTopic {
    const topicArn = snsTopicArn(this.aws, alarmTopicName(this.config));
    const alarms = `arn:aws:cloudwatch:${this.aws.region}:${this.aws.accountId}:alarm:*`;
    const key = new KmsKey(this, 'alarm-key', {
      description: 'Encrypts the pulsepet alarm topic; CloudWatch alarms of this account may use it.',
      enableKeyRotation: true,
      deletionWindowInDays: 7,
      // In a key policy "Resource": "*" means this key (key-policy-overview.html); the
      // account statement is AWS's default, without which nobody could manage the key.
      policy: policyDocument([
        { Sid: 'AccountManagesKey', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${this.aws.accountId}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'CloudWatchAlarmsEncrypt',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': this.aws.accountId } },
        },
      ]),
    });
    new KmsAlias(this, 'alarm-key-alias', { name: `alias/${this.name('alarms')}`, targetKeyId: key.keyId });
    const topic = new SnsTopic(this, 'alarm-topic', { name: alarmTopicName(this.config), kmsMasterKeyId: key.arn });
    new SnsTopicPolicy(this, 'alarm-topic-policy', {
      arn: topic.arn,
      policy: policyDocument([
        {
          Sid: 'CloudWatchAlarmsPublish',
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: topicArn,
          Condition: { ArnLike: { 'aws:SourceArn': alarms }, StringEquals: { 'aws:SourceAccount': this.aws.accountId } },
        },
      ]),
    });
    if (this.config.alarmEmail !== undefined) {
      new SnsTopicSubscription(this, 'alarm-email', { topicArn: topic.arn, protocol: 'email', endpoint: this.config.alarmEmail });
    }
    return topic;
  }
}
