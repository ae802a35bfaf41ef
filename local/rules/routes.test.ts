import { rmSync } from 'node:fs';
import {
  CreateTopicRuleCommand,
  DeleteTopicRuleCommand,
  DisableTopicRuleCommand,
  EnableTopicRuleCommand,
  GetTopicRuleCommand,
  type IoTClient,
  ListTopicRulesCommand,
  ReplaceTopicRuleCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { substitution } from '../../cloud-rules/rules';
import { type Fixture, startFixture } from '../../test/support/local/broker';
import { startTestGateway, type TestGateway } from '../../test/support/local/gateway';
import { topicRuleRoutes } from './routes';
import type { RulesRuntime } from './runtime';
import { nextMessage, startRulesWithLambda, tempDir } from '../../test/support/local/rules';

const ROLE = 'arn:aws:iam::000000000000:role/test';
const republish = (topic: string) => ({ republish: { topic, qos: 1 as const, roleArn: ROLE } });

let fx: Fixture;
let gw: TestGateway;
let rt: RulesRuntime;
let iot: IoTClient;
let dataDir: string;

beforeAll(async () => {
  fx = await startFixture();
  gw = await startTestGateway();
  dataDir = tempDir();
  rt = await startRulesWithLambda({ bus: fx.broker, dataDir, region: gw.region, rules: [] });
  for (const r of topicRuleRoutes(rt)) gw.iotService.addRoute(r);
  iot = gw.iot();
});

afterAll(async () => {
  await rt.close();
  await gw.close();
  await fx.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function errorName(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  throw new Error('expected the call to fail');
}

describe('topic-rule API through the real @aws-sdk/client-iot', () => {
  describe('Method: CreateTopicRule / GetTopicRule', () => {
    it('creates a rule that GetTopicRule returns as stored, with its ARN and creation time', async () => {
      const before = Date.now();
      await iot.send(
        new CreateTopicRuleCommand({
          ruleName: 'api_get',
          topicRulePayload: {
            sql: "SELECT * FROM 'api/get'",
            description: 'd',
            awsIotSqlVersion: '2016-03-23',
            actions: [republish('api/out')],
            errorAction: republish('pulsepet/errors'),
          },
        }),
      );
      const got = await iot.send(new GetTopicRuleCommand({ ruleName: 'api_get' }));
      expect(got.ruleArn).toBe(`arn:aws:iot:${gw.region}:000000000000:rule/api_get`);
      expect(got.rule).toMatchObject({
        ruleName: 'api_get',
        sql: "SELECT * FROM 'api/get'",
        description: 'd',
        awsIotSqlVersion: '2016-03-23',
        ruleDisabled: false,
        actions: [republish('api/out')],
        errorAction: republish('pulsepet/errors'),
      });
      expect(got.rule?.createdAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    });

    it('defaults awsIotSqlVersion to 2015-10-08 as IoT does', async () => {
      await iot.send(new CreateTopicRuleCommand({ ruleName: 'api_default_ver', topicRulePayload: { sql: "SELECT * FROM 'x/y'", actions: [] } }));
      const got = await iot.send(new GetTopicRuleCommand({ ruleName: 'api_default_ver' }));
      expect(got.rule?.awsIotSqlVersion).toBe('2015-10-08');
    });

    it('runs a rule created through the API: the republish output appears on the bus', async () => {
      await iot.send(
        new CreateTopicRuleCommand({
          ruleName: 'api_run',
          topicRulePayload: { sql: "SELECT upper(c) AS c FROM 'api/run'", awsIotSqlVersion: '2016-03-23', actions: [republish('api/run/out')] },
        }),
      );
      const got = nextMessage(fx.broker, 'api/run/out');
      await fx.broker.publish('api/run', '{"c":"ok"}');
      expect(JSON.parse((await got).payload.toString())).toEqual({ c: 'OK' });
    });

    it('rejects a duplicate name with ResourceAlreadyExistsException', async () => {
      const payload = { sql: "SELECT * FROM 'dup'", actions: [] };
      await iot.send(new CreateTopicRuleCommand({ ruleName: 'api_dup', topicRulePayload: payload }));
      expect((await errorName(iot.send(new CreateTopicRuleCommand({ ruleName: 'api_dup', topicRulePayload: payload })))).name).toBe(
        'ResourceAlreadyExistsException',
      );
    });

    it('rejects SQL outside the subset with SqlParseException naming the position', async () => {
      const e = await errorName(
        iot.send(new CreateTopicRuleCommand({ ruleName: 'api_bad_sql', topicRulePayload: { sql: "SELECT nosuchfn(a) FROM 'a/b'", actions: [] } })),
      );
      expect(e.name).toBe('SqlParseException');
      expect(e.message).toMatch(/nosuchfn\(\) is outside the supported subset at line 1, column 8/);
    });

    it('rejects a malformed payload, a bad rule name and a bad template with InvalidRequestException', async () => {
      const bad = [
        { ruleName: 'api_qos', topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [{ republish: { topic: 'x', qos: 2, roleArn: ROLE } }] } },
        { ruleName: 'bad-name!', topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [] } },
        { ruleName: 'api_tpl', topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [republish(`out/${substitution('nosuch(1)')}`)] } },
        { ruleName: 'api_two', topicRulePayload: { sql: "SELECT * FROM 'a'", actions: [{ ...republish('x'), lambda: { functionArn: 'f' } }] } },
      ];
      for (const input of bad) {
        expect((await errorName(iot.send(new CreateTopicRuleCommand(input)))).name, input.ruleName).toBe('InvalidRequestException');
      }
    });

    it('answers GetTopicRule for a missing rule with UnauthorizedException, as IoT does', async () => {
      expect((await errorName(iot.send(new GetTopicRuleCommand({ ruleName: 'nope' })))).name).toBe('UnauthorizedException');
    });
  });

  describe('Method: ReplaceTopicRule / Enable / Disable / Delete', () => {
    it('replaces, disables, enables and deletes a rule', async () => {
      await iot.send(new CreateTopicRuleCommand({ ruleName: 'api_life', topicRulePayload: { sql: "SELECT a FROM 'life/in'", actions: [republish('life/out')] } }));
      await iot.send(
        new ReplaceTopicRuleCommand({ ruleName: 'api_life', topicRulePayload: { sql: "SELECT b FROM 'life/in'", awsIotSqlVersion: '2016-03-23', actions: [republish('life/out')] } }),
      );
      let out = nextMessage(fx.broker, 'life/out');
      await fx.broker.publish('life/in', '{"a":1,"b":2}');
      expect(JSON.parse((await out).payload.toString())).toEqual({ b: 2 });

      await iot.send(new DisableTopicRuleCommand({ ruleName: 'api_life' }));
      expect((await iot.send(new GetTopicRuleCommand({ ruleName: 'api_life' }))).rule?.ruleDisabled).toBe(true);
      await iot.send(new EnableTopicRuleCommand({ ruleName: 'api_life' }));
      expect((await iot.send(new GetTopicRuleCommand({ ruleName: 'api_life' }))).rule?.ruleDisabled).toBe(false);
      out = nextMessage(fx.broker, 'life/out');
      await fx.broker.publish('life/in', '{"b":3}');
      expect(JSON.parse((await out).payload.toString())).toEqual({ b: 3 });

      await iot.send(new DeleteTopicRuleCommand({ ruleName: 'api_life' }));
      expect((await errorName(iot.send(new GetTopicRuleCommand({ ruleName: 'api_life' })))).name).toBe('UnauthorizedException');
      expect((await errorName(iot.send(new DeleteTopicRuleCommand({ ruleName: 'api_life' })))).name).toBe('UnauthorizedException');
      expect((await errorName(iot.send(new EnableTopicRuleCommand({ ruleName: 'api_life' })))).name).toBe('UnauthorizedException');
    });
  });

  describe('Method: ListTopicRules', () => {
    it('pages through rules by name and filters by topic and disabled state', async () => {
      for (const n of ['ls_a', 'ls_b', 'ls_c']) {
        await iot.send(new CreateTopicRuleCommand({ ruleName: n, topicRulePayload: { sql: "SELECT * FROM 'ls/topic'", ruleDisabled: n === 'ls_b', actions: [] } }));
      }
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await iot.send(new ListTopicRulesCommand({ topic: 'ls/topic', maxResults: 2, nextToken }));
        expect((page.rules ?? []).length).toBeLessThanOrEqual(2);
        names.push(...(page.rules ?? []).map((r) => r.ruleName ?? ''));
        nextToken = page.nextToken;
      } while (nextToken);
      expect(names).toEqual(['ls_a', 'ls_b', 'ls_c']);
      const disabled = await iot.send(new ListTopicRulesCommand({ topic: 'ls/topic', ruleDisabled: true }));
      expect(disabled.rules?.map((r) => [r.ruleName, r.topicPattern, r.ruleDisabled])).toEqual([['ls_b', 'ls/topic', true]]);
    });
  });

  it('keeps a rule created through the API after the runtime restarts', async () => {
    await iot.send(new CreateTopicRuleCommand({ ruleName: 'api_restart', topicRulePayload: { sql: "SELECT VALUE n FROM 'rs/in'", actions: [republish('rs/out')] } }));
    await rt.close();
    rt = await startRulesWithLambda({ bus: fx.broker, dataDir, region: gw.region, rules: [] });
    const gw2 = await startTestGateway();
    try {
      for (const r of topicRuleRoutes(rt)) gw2.iotService.addRoute(r);
      const got = await gw2.iot().send(new GetTopicRuleCommand({ ruleName: 'api_restart' }));
      expect(got.rule?.sql).toBe("SELECT VALUE n FROM 'rs/in'");
      const out = nextMessage(fx.broker, 'rs/out');
      await fx.broker.publish('rs/in', '{"n":9}');
      expect((await out).payload.toString()).toBe('9');
    } finally {
      await gw2.close();
    }
  });
});
