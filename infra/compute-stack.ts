import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataAwsIotEndpoint } from '@cdktf/provider-aws/lib/data-aws-iot-endpoint';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaFunctionEventInvokeConfig } from '@cdktf/provider-aws/lib/lambda-function-event-invoke-config';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { AssetType, TerraformAsset, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import { pulsepetRules } from '../cloud-rules/rules';
import { FUNCTIONS, type FunctionDefinition } from '../functions/registry';
import { iotRuleArn } from './arns';
import { bundleFunction, type FunctionBundle } from './bundle';
import type { InfraConfig } from './config';
import { functionEnvironment, functionStatements } from './function-grants';
import { deadLetterQueueName, functionLogGroup } from './names';
import { lambdaTrustPolicy } from './policy';
import { PulsepetStack } from './pulsepet-stack';
import { ruleInvocations } from './rule-grants';
import { ScheduleConstruct } from './schedules';
import { ServiceRole } from './service-role';

/** Lambda's runtime and architecture for every function. */
export const LAMBDA_RUNTIME = 'nodejs22.x';
export const LAMBDA_ARCHITECTURE = 'arm64';

export interface ComputeStackOptions {
  /** where the bundles are written before synth copies them into its assets (default: a new temp dir, left to the caller) */
  bundleDir?: string;
  /** the bundler (default: esbuild into `bundleDir`, bundle.ts); tests that synthesize many variants reuse one bundle per function */
  bundle?: (def: FunctionDefinition) => FunctionBundle;
}

/** The default bundler: esbuild into `dir` (main.ts passes a temp dir and removes it after synth). */
const esbuildInto =
  (dir: string) =>
  (def: FunctionDefinition): FunctionBundle =>
    bundleFunction(def, dir);

/**
 * Lambda: each function of functions/registry.ts bundled by esbuild, with a role of its
 * own (function-grants.ts), its asynchronous invocation settings with the dead-letter
 * queue as failure destination, the invoke permissions of the rules that call it (by
 * rule ARN), and the schedules of cloud-rules/schedules.ts.
 */
export class ComputeStack extends PulsepetStack {
  readonly functions = new Map<string, LambdaFunction>();
  readonly bundles = new Map<string, FunctionBundle>();
  readonly deadLetters: SqsQueue;

  constructor(scope: Construct, config: InfraConfig, options: ComputeStackOptions = {}) {
    super(scope, 'compute', config);
    this.deadLetters = new SqsQueue(this, 'dead-letters', {
      name: deadLetterQueueName(config),
      // SSE-SQS: encrypted at rest, and Lambda's destination needs no KMS grant
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    const endpoint = new DataAwsIotEndpoint(this, 'iot-data-endpoint', { endpointType: 'iot:Data-ATS' });
    const bundle = options.bundle ?? esbuildInto(options.bundleDir ?? mkdtempSync(join(tmpdir(), 'pulsepet-bundles-')));
    for (const def of FUNCTIONS) this.lambda(def, bundle(def), endpoint.endpointAddress);
    this.rulePermissions();
    new ScheduleConstruct(this, 'schedules', this.aws, this.functions);
    new TerraformOutput(this, 'dead_letter_queue_url', { value: this.deadLetters.url });
  }

  private lambda(def: FunctionDefinition, bundle: FunctionBundle, iotDataEndpoint: string): void {
    this.bundles.set(def.name, bundle);
    const asset = new TerraformAsset(this, `${def.name}-code`, { path: bundle.dir, type: AssetType.ARCHIVE });
    const role = new ServiceRole(this, `${def.name}-role`, {
      name: `${def.name}-exec`,
      description: `Execution role of ${def.name}: only what it calls (infra/function-grants.ts).`,
      trust: lambdaTrustPolicy(),
      statements: functionStatements(this.aws, this.config, def, this.deadLetters.arn),
    });
    const fn = new LambdaFunction(this, def.name, {
      functionName: def.name,
      description: def.description.slice(0, 256),
      role: role.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      handler: bundle.handler,
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      memorySize: def.memoryMb,
      timeout: def.timeoutSeconds,
      environment: { variables: functionEnvironment(this.config, def, iotDataEndpoint) },
      loggingConfig: { logFormat: 'Text', logGroup: functionLogGroup(def.name) },
      dependsOn: [role.policy],
    });
    this.functions.set(def.name, fn);
    new LambdaFunctionEventInvokeConfig(this, `${def.name}-async`, {
      functionName: fn.functionName,
      maximumRetryAttempts: def.asyncInvoke.maximumRetryAttempts,
      maximumEventAgeInSeconds: def.asyncInvoke.maximumEventAgeSeconds,
      destinationConfig: { onFailure: { destination: this.deadLetters.arn } },
    });
  }

  /** Lambda's resource policy: IoT may invoke a function only for the rules that name it. */
  private rulePermissions(): void {
    for (const [name, rules] of ruleInvocations(pulsepetRules(this.aws))) {
      const fn = this.functions.get(name);
      if (fn === undefined) throw new Error(`a rule invokes ${name}, which functions/registry.ts does not define`);
      for (const rule of rules) {
        new LambdaPermission(this, `${name}-invoked-by-${rule}`, {
          statementId: `iot-rule-${rule}`,
          action: 'lambda:InvokeFunction',
          functionName: fn.functionName,
          principal: 'iot.amazonaws.com',
          sourceArn: iotRuleArn(this.aws, rule),
          sourceAccount: this.aws.accountId,
        });
      }
    }
  }
}
