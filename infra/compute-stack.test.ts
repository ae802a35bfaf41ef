import { beforeAll, describe, expect, it } from 'vitest';
import { pulsepetRules } from '../cloud-rules/rules';
import { pulsepetSchedules, SCHEDULER_ROLE_NAME, type SchedulePayload } from '../cloud-rules/schedules';
import { FUNCTIONS } from '../functions/registry';
import { FUNCTION_NAMES } from '../protocol/resources';
import { resourcesOf, resourceWith, statementsOf, type Synthesized, synthesize, TEST_ENV } from '../test/support/infra/synth';
import { LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME } from './compute-stack';
import { fromTerraformLiteral } from './terraform-escape';

type Tf = Record<string, unknown>;
const ENV = { region: TEST_ENV.PULSEPET_AWS_REGION, accountId: TEST_ENV.PULSEPET_AWS_ACCOUNT_ID };
const iot = (r: string) => `arn:aws:iot:${ENV.region}:${ENV.accountId}:${r}`;

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

const fn = (name: string) => resourceWith(s.json.compute, 'aws_lambda_function', 'function_name', name);
/** The inline policy of the role a function runs as, found through the function's `role` reference. */
function rolePolicyOf(json: Synthesized['json']['compute'], functionName: string): ReturnType<typeof statementsOf> {
  const f = resourceWith(json, 'aws_lambda_function', 'function_name', functionName);
  const roleId = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(String(f.role))?.[1];
  const policy = Object.values(resourcesOf(json, 'aws_iam_role_policy')).find((p) => p.role === `\${aws_iam_role.${roleId}.id}`);
  return statementsOf(policy?.policy);
}
const grants = (sts: ReturnType<typeof statementsOf>) => Object.fromEntries(sts.map((st) => [[st.Action].flat().join(','), st.Resource]));

describe('Stack: compute', () => {
  describe('Functions', () => {
    it.each(FUNCTIONS.map((f) => [f.name, f]))('deploys %s as the registry defines it, on nodejs22.x arm64', (name, def) => {
      expect(fn(name)).toMatchObject({
        runtime: LAMBDA_RUNTIME,
        architectures: [LAMBDA_ARCHITECTURE],
        handler: `index.${def.handler}`,
        memory_size: def.memoryMb,
        timeout: def.timeoutSeconds,
        logging_config: { log_group: `/aws/lambda/${name}` },
      });
      const vars = (fn(name).environment as { variables: Record<string, string> }).variables;
      expect(vars).toMatchObject(def.environment);
      expect(vars.AWS_ENDPOINT_URL_IOT_DATA_PLANE).toBe(`https://\${data.aws_iot_endpoint.iot-data-endpoint.endpoint_address}`);
      expect(String(fn(name).filename)).toMatch(/^assets\/.+\/archive\.zip$/);
    });

    it("reads the account's ATS data endpoint for the IoT data plane", () => {
      expect(s.json.compute.data?.aws_iot_endpoint?.['iot-data-endpoint']).toMatchObject({ endpoint_type: 'iot:Data-ATS' });
    });

    it('hands the coach model to the functions that call Bedrock, and the model endpoint only when configured', () => {
      const reasoning = (fn(FUNCTION_NAMES.reasoning).environment as { variables: Tf }).variables;
      expect(reasoning).toMatchObject({ PULSEPET_COACH: 'bedrock', PULSEPET_COACH_MODEL_ID: s.config.coach.modelId });
      expect(reasoning.MODEL_ENDPOINT).toBeUndefined();
      expect((fn(FUNCTION_NAMES.ingest).environment as { variables: Tf }).variables.PULSEPET_COACH_MODEL_ID).toBeUndefined();
      const withEndpoint = synthesize({ PULSEPET_MODEL_ENDPOINT: 'Pulsepet-Models' });
      const vars = (resourceWith(withEndpoint.json.compute, 'aws_lambda_function', 'function_name', FUNCTION_NAMES.reasoning).environment as { variables: Tf }).variables;
      expect(vars.MODEL_ENDPOINT).toBe('Pulsepet-Models');
    });
  });

  describe('Roles', () => {
    it('gives every function a role of its own', () => {
      const roles = FUNCTIONS.map((f) => fn(f.name).role);
      expect(new Set(roles).size).toBe(FUNCTIONS.length);
      for (const f of FUNCTIONS) expect(rolePolicyOf(s.json.compute, f.name).length).toBeGreaterThan(0);
    });

    it('grants no role a wildcard action, and "*" only for endpoint discovery and ListThings', () => {
      for (const p of Object.values(resourcesOf(s.json.compute, 'aws_iam_role_policy'))) {
        for (const st of statementsOf(p.policy)) {
          const actions = [st.Action].flat();
          expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
          if ([st.Resource].flat().includes('*')) expect(actions.every((a) => ['timestream:DescribeEndpoints', 'iot:ListThings'].includes(a))).toBe(true);
        }
      }
    });

    it('lets reasoning read and update only its named shadows, query only its tables and call only the coach model', () => {
      const g = grants(rolePolicyOf(s.json.compute, FUNCTION_NAMES.reasoning));
      expect(g['iot:GetThingShadow']).toEqual(['pet', 'config', 'reasoning', 'reasoning-coach'].map((n) => iot(`thing/*/${n}`)));
      expect(g['iot:UpdateThingShadow']).toEqual(['pet', 'reasoning', 'reasoning-coach'].map((n) => iot(`thing/*/${n}`)));
      expect(g['timestream:Select']).toEqual(['telemetry', 'daily'].map((t) => `arn:aws:timestream:${ENV.region}:${ENV.accountId}:database/pulsepet/table/${t}`));
      expect(g['bedrock:InvokeModel']).toEqual([
        `arn:aws:bedrock:${ENV.region}:${ENV.accountId}:inference-profile/${s.config.coach.modelId}`,
        `arn:aws:bedrock:*::foundation-model/${s.config.coach.modelId.replace(/^us\./, '')}`,
      ]);
      expect(g['sagemaker:InvokeEndpoint']).toBeUndefined();
      expect(g['timestream:WriteRecords']).toBeUndefined();
    });

    it('lets the avatar function read and write only avatars/* of its bucket, call only the image model, update only the pet shadow', () => {
      const g = grants(rolePolicyOf(s.json.compute, FUNCTION_NAMES.avatar));
      const bucket = `pp-test-avatars-${ENV.accountId}-${ENV.region}`;
      expect(g['s3:GetObject,s3:PutObject']).toEqual([`arn:aws:s3:::${bucket}/avatars/*`]);
      expect(g['s3:ListBucket']).toEqual([`arn:aws:s3:::${bucket}`]);
      expect(g['bedrock:InvokeModel']).toEqual([`arn:aws:bedrock:${ENV.region}::foundation-model/amazon.nova-canvas-v1:0`]);
      expect(g['iot:GetThingShadow']).toEqual([iot('thing/*/pet')]);
      expect(g['iot:UpdateThingShadow']).toEqual([iot('thing/*/pet')]);
      expect(g['lambda:InvokeFunction']).toBeUndefined();
      const vars = (fn(FUNCTION_NAMES.avatar).environment as { variables: Tf }).variables;
      expect(vars).toMatchObject({ PULSEPET_AVATAR_BUCKET: bucket, PULSEPET_AVATAR_MODEL_ID: 'amazon.nova-canvas-v1:0' });
      const titan = synthesize({ PULSEPET_AVATAR_MODEL_ID: 'amazon.titan-image-generator-v2:0', PULSEPET_COACH: 'deterministic' });
      expect(grants(rolePolicyOf(titan.json.compute, FUNCTION_NAMES.avatar))['bedrock:InvokeModel']).toEqual([`arn:aws:bedrock:${ENV.region}::foundation-model/amazon.titan-image-generator-v2:0`]);
    });

    it('lets reasoning invoke the avatar function, and no other function invoke anything', () => {
      expect(grants(rolePolicyOf(s.json.compute, FUNCTION_NAMES.reasoning))['lambda:InvokeFunction']).toEqual([`arn:aws:lambda:${ENV.region}:${ENV.accountId}:function:${FUNCTION_NAMES.avatar}`]);
      for (const f of FUNCTIONS.filter((x) => x.name !== FUNCTION_NAMES.reasoning)) expect(grants(rolePolicyOf(s.json.compute, f.name))['lambda:InvokeFunction']).toBeUndefined();
    });

    it('lets ingest write telemetry and report errors, and nothing of shadows or models', () => {
      const g = grants(rolePolicyOf(s.json.compute, FUNCTION_NAMES.ingest));
      expect(Object.keys(g).sort()).toEqual(['iot:Publish', 'logs:CreateLogStream,logs:PutLogEvents', 'sqs:SendMessage', 'timestream:DescribeEndpoints', 'timestream:WriteRecords']);
      expect(g['timestream:WriteRecords']).toEqual([`arn:aws:timestream:${ENV.region}:${ENV.accountId}:database/pulsepet/table/telemetry`]);
      expect(g['iot:Publish']).toEqual([iot('topic/pulsepet/errors')]);
      expect(g['logs:CreateLogStream,logs:PutLogEvents']).toEqual([`arn:aws:logs:${ENV.region}:${ENV.accountId}:log-group:/aws/lambda/${FUNCTION_NAMES.ingest}:log-stream:*`]);
    });

    it('lets the daily summary write table daily and the daily shadow, and list things', () => {
      const g = grants(rolePolicyOf(s.json.compute, FUNCTION_NAMES.dailySummary));
      expect(g['timestream:WriteRecords']).toEqual([`arn:aws:timestream:${ENV.region}:${ENV.accountId}:database/pulsepet/table/daily`]);
      expect(g['iot:UpdateThingShadow']).toEqual([iot('thing/*/daily')]);
      expect(g['iot:GetThingShadow']).toEqual([iot('thing/*/daily'), iot('thing/*/config')]);
      expect(g['iot:ListThings']).toBe('*');
    });

    it('grants Bedrock only with the Bedrock coach, and SageMaker only on a configured endpoint', () => {
      const off = synthesize({ PULSEPET_COACH: 'deterministic', PULSEPET_MODEL_ENDPOINT: 'Pulsepet-Models' });
      for (const f of FUNCTIONS.filter((x) => x.name !== FUNCTION_NAMES.avatar)) expect(grants(rolePolicyOf(off.json.compute, f.name))['bedrock:InvokeModel']).toBeUndefined();
      expect(grants(rolePolicyOf(off.json.compute, FUNCTION_NAMES.reasoning))['sagemaker:InvokeEndpoint']).toEqual([
        `arn:aws:sagemaker:${ENV.region}:${ENV.accountId}:endpoint/pulsepet-models`,
      ]);
      expect(grants(rolePolicyOf(off.json.compute, FUNCTION_NAMES.dailySummary))['sagemaker:InvokeEndpoint']).toBeUndefined();
    });

    it('names a plain foundation model in the region, and a global profile’s model without a region too', () => {
      const plain = synthesize({ PULSEPET_COACH_MODEL_ID: 'anthropic.claude-haiku-4-5-20251001-v1:0' });
      expect(grants(rolePolicyOf(plain.json.compute, FUNCTION_NAMES.reasoning))['bedrock:InvokeModel']).toEqual([
        `arn:aws:bedrock:${ENV.region}::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0`,
      ]);
      const global = synthesize({ PULSEPET_COACH_MODEL_ID: 'global.anthropic.claude-haiku-4-5-20251001-v1:0' });
      expect(grants(rolePolicyOf(global.json.compute, FUNCTION_NAMES.reasoning))['bedrock:InvokeModel']).toContain('arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0');
    });
  });

  describe('Asynchronous invocation', () => {
    it('configures retries and event age from the registry, with the dead-letter queue as failure destination', () => {
      const configs = Object.values(resourcesOf(s.json.compute, 'aws_lambda_function_event_invoke_config'));
      expect(configs).toHaveLength(FUNCTIONS.length);
      for (const f of FUNCTIONS) {
        const c = configs.find((x) => x.function_name === `\${aws_lambda_function.${f.name}.function_name}`);
        expect(c).toMatchObject({
          maximum_retry_attempts: f.asyncInvoke.maximumRetryAttempts,
          maximum_event_age_in_seconds: f.asyncInvoke.maximumEventAgeSeconds,
          destination_config: { on_failure: { destination: `\${aws_sqs_queue.dead-letters.arn}` } },
        });
      }
      expect(resourcesOf(s.json.compute, 'aws_sqs_queue')['dead-letters']).toMatchObject({ name: 'pp-test-dead-letters', sqs_managed_sse_enabled: true });
    });

    it('lets IoT invoke a function only for the rules that name it (sourceArn)', () => {
      const perms = Object.values(resourcesOf(s.json.compute, 'aws_lambda_permission'));
      const expected = pulsepetRules(ENV).flatMap((r) =>
        r.topicRulePayload.actions.flatMap((a) => (a.lambda ? [{ fn: a.lambda.functionArn.split(':').at(-1), rule: r.ruleName }] : [])),
      );
      expect(perms).toHaveLength(expected.length);
      for (const e of expected) {
        expect(perms).toContainEqual(
          expect.objectContaining({
            principal: 'iot.amazonaws.com',
            action: 'lambda:InvokeFunction',
            function_name: `\${aws_lambda_function.${e.fn}.function_name}`,
            source_arn: iot(`rule/${e.rule}`),
            source_account: ENV.accountId,
          }),
        );
      }
    });
  });

  describe('Schedules', () => {
    it('deploys every schedule of cloud-rules/schedules.ts as it is', () => {
      const deployed = Object.values(resourcesOf(s.json.compute, 'aws_scheduler_schedule')).map((tf): SchedulePayload => {
        const t = tf.target as Tf;
        const retry = t.retry_policy as Tf;
        const window = tf.flexible_time_window as Tf;
        return {
          Name: String(tf.name),
          Description: fromTerraformLiteral(String(tf.description)),
          ScheduleExpression: String(tf.schedule_expression),
          ScheduleExpressionTimezone: tf.schedule_expression_timezone as 'UTC',
          State: tf.state as 'ENABLED',
          FlexibleTimeWindow: { Mode: window.mode as 'OFF' },
          Target: {
            Arn: String(t.arn),
            RoleArn: String(t.role_arn),
            Input: fromTerraformLiteral(String(t.input)),
            RetryPolicy: { MaximumEventAgeInSeconds: Number(retry.maximum_event_age_in_seconds), MaximumRetryAttempts: Number(retry.maximum_retry_attempts) },
          },
        };
      });
      expect(deployed).toEqual(pulsepetSchedules(ENV));
    });

    it('runs them as pulsepet-scheduler, which may invoke only their targets', () => {
      const [trust] = statementsOf(resourceWith(s.json.compute, 'aws_iam_role', 'name', SCHEDULER_ROLE_NAME).assume_role_policy);
      expect(trust?.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
      const [invoke, ...rest] = statementsOf(resourceWith(s.json.compute, 'aws_iam_role_policy', 'name', SCHEDULER_ROLE_NAME).policy);
      expect(rest).toEqual([]);
      expect(invoke).toMatchObject({ Action: ['lambda:InvokeFunction'], Resource: [...new Set(pulsepetSchedules(ENV).map((p) => p.Target.Arn))] });
    });
  });
});
