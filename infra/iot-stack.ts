import { CloudformationStack } from '@cdktf/provider-aws/lib/cloudformation-stack';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { IotIndexingConfiguration } from '@cdktf/provider-aws/lib/iot-indexing-configuration';
import { IotLoggingOptions } from '@cdktf/provider-aws/lib/iot-logging-options';
import { IotPolicy } from '@cdktf/provider-aws/lib/iot-policy';
import { IotThingType } from '@cdktf/provider-aws/lib/iot-thing-type';
import { IotTopicRule } from '@cdktf/provider-aws/lib/iot-topic-rule';
import { TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { pulsepetRules, RULES_ROLE_NAME } from '../cloud-rules/rules';
import { DISPLAY_IOT_POLICY_NAME, displayIotPolicyDocument } from '../protocol/display-access';
import { DEVICE_POLICY_NAME, devicePolicyDocument, OPERATOR_POLICY_NAME, operatorPolicyDocument } from '../protocol/policies';
import { PROVISIONING_ROLE_NAME } from '../protocol/resources';
import { iamRoleArn, iotArn, iotRuleArn, logGroupArn } from './arns';
import type { InfraConfig } from './config';
import { connectedDevicesMetricName, IOT_LOG_GROUP, THING_TYPE_NAME } from './names';
import { PROVISIONING_MANAGED_POLICY, serviceTrustPolicy } from './policy';
import { PulsepetStack } from './pulsepet-stack';
import { ruleRoleStatements } from './rule-grants';
import { ServiceRole } from './service-role';
import { documentText, terraformLiteral } from './terraform-escape';
import { topicRuleArgs } from './topic-rule';

/**
 * IoT Core: the thing type, the IoT policies of protocol/ (the documents the local
 * broker enforces), every rule of cloud-rules/ with the role its actions assume, IoT
 * logging, fleet indexing with connectivity (which the connected-devices fleet metric
 * counts), and the role IoT Core assumes to apply provisioning templates.
 */
export class IotStack extends PulsepetStack {
  readonly rules: IotTopicRule[] = [];

  constructor(scope: Construct, config: InfraConfig) {
    super(scope, 'iot', config);
    new IotThingType(this, 'thing-type', {
      name: THING_TYPE_NAME,
      properties: { description: 'A phone gateway publishing a wearer’s watch telemetry (device-agent/).' },
    });
    this.policy('device-policy', DEVICE_POLICY_NAME, devicePolicyDocument());
    this.policy('operator-policy', OPERATOR_POLICY_NAME, operatorPolicyDocument());
    // for authenticated display identities later (unauthenticated ones carry no IoT policy: display-stack.ts)
    this.policy('display-policy', DISPLAY_IOT_POLICY_NAME, displayIotPolicyDocument());
    this.topicRules();
    this.logging();
    this.fleetIndexing();
    this.provisioningRole();
  }

  /** An IoT policy from protocol/, its policy variables escaped for Terraform. */
  policy(id: string, name: string, document: string): IotPolicy {
    return new IotPolicy(this, id, { name, policy: terraformLiteral(documentText(document)) });
  }

  private topicRules(): void {
    const rules = pulsepetRules(this.aws);
    const role = new ServiceRole(this, 'rules-role', {
      name: RULES_ROLE_NAME,
      description: 'Assumed by the pulsepet IoT rules for their republish and Timestream actions (cloud-rules/rules.ts).',
      trust: serviceTrustPolicy('iot.amazonaws.com', this.aws.accountId, iotRuleArn(this.aws, '*')),
      statements: ruleRoleStatements(this.aws, rules, iamRoleArn(this.aws, RULES_ROLE_NAME)),
    });
    for (const rule of rules) {
      // the role (and its policy) first: CreateTopicRule checks that IoT may assume it
      this.rules.push(new IotTopicRule(this, `rule-${rule.ruleName}`, { ...topicRuleArgs(rule), dependsOn: [role.policy] }));
    }
  }

  /** IoT Core's logs at the configured level (https://docs.aws.amazon.com/iot/latest/developerguide/configure-logging.html). */
  private logging(): void {
    const group = logGroupArn(this.aws, IOT_LOG_GROUP);
    const role = new ServiceRole(this, 'logging-role', {
      name: this.name('iot-logging'),
      description: 'Assumed by IoT Core to write its logs to the AWSIotLogsV2 log group.',
      trust: serviceTrustPolicy('iot.amazonaws.com', this.aws.accountId),
      statements: [
        { Sid: 'LogGroup', Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:PutMetricFilter'], Resource: [group] },
        { Sid: 'LogStreams', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [logGroupArn(this.aws, IOT_LOG_GROUP, true)] },
      ],
    });
    const level = this.config.iotLogLevel;
    new IotLoggingOptions(this, 'logging', {
      roleArn: role.role.arn,
      defaultLogLevel: level === 'DISABLED' ? 'ERROR' : level,
      disableAllLogs: level === 'DISABLED',
      dependsOn: [role.policy],
    });
  }

  /**
   * Fleet indexing of the registry with connectivity status, and a fleet metric counting
   * connected things each minute. The AWS provider has no fleet-metric resource, so it is
   * a one-resource CloudFormation stack (AWS::IoT::FleetMetric).
   */
  private fleetIndexing(): void {
    const indexing = new IotIndexingConfiguration(this, 'fleet-indexing', {
      thingIndexingConfiguration: { thingIndexingMode: 'REGISTRY', thingConnectivityIndexingMode: 'STATUS', deviceDefenderIndexingMode: 'OFF', namedShadowIndexingMode: 'OFF' },
    });
    const template = {
      AWSTemplateFormatVersion: '2010-09-09',
      Description: 'pulsepet fleet metrics (managed by cdktf, infra/iot-stack.ts)',
      Resources: {
        ConnectedDevices: {
          Type: 'AWS::IoT::FleetMetric',
          Properties: {
            MetricName: connectedDevicesMetricName(this.config),
            Description: 'Things connected now (fleet indexing connectivity).',
            IndexName: 'AWS_Things',
            QueryString: 'connectivity.connected:true',
            QueryVersion: '2017-09-30',
            // a count needs a numeric indexed field every thing has
            AggregationField: 'registry.version',
            AggregationType: { Name: 'Statistics', Values: ['count'] },
            Period: 60,
          },
        },
      },
    };
    new CloudformationStack(this, 'fleet-metrics', { name: this.name('fleet-metrics'), templateBody: documentText(template), dependsOn: [indexing] });
  }

  /**
   * `pulsepet-provisioning`, the role `fleet template create` names by default (protocol/resources.ts):
   * IoT Core assumes it, for this account and region only, to apply fleet (RegisterThing) and
   * JITP templates. https://docs.aws.amazon.com/iot/latest/developerguide/provision-template.html
   */
  private provisioningRole(): void {
    const role = new IamRole(this, 'provisioning-role', {
      name: PROVISIONING_ROLE_NAME,
      description: 'Assumed by IoT Core to apply pulsepet provisioning templates (fleet provisioning by claim, JITP).',
      assumeRolePolicy: serviceTrustPolicy('iot.amazonaws.com', this.aws.accountId, iotArn(this.aws, '*')),
    });
    new IamRolePolicyAttachment(this, 'provisioning-registration', { role: role.name, policyArn: PROVISIONING_MANAGED_POLICY });
    new TerraformOutput(this, 'provisioning_role_arn', { value: role.arn, description: 'provisioningRoleArn of the templates `pulsepet fleet template create` makes' });
  }
}
