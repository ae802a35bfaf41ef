import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { substitution } from '../../cloud-rules/rules';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Fixture, startFixture } from '../../test/support/local/broker';
import type { TimestreamWriteRequest } from './actions';
import { MAX_REPUBLISH_HOPS } from './executor';
import type { LambdaContext, LambdaHandler } from '../lambda/index';
import { pulsepetRules } from '../../cloud-rules/rules';
import type { RulesRuntime } from './runtime';
import { collect, nextMessage, type RulesWithLambdaOptions, startRulesWithLambda, tempDir } from '../../test/support/local/rules';

const ROLE = 'arn:aws:iam::000000000000:role/test';
const errorAction = { republish: { topic: 'pulsepet/errors', qos: 1 as const, roleArn: ROLE } };
const fnArn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

let fx: Fixture;
const runtimes: RulesRuntime[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.close();
});
afterEach(async () => {
  for (const r of runtimes.splice(0)) await r.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(opts: Partial<RulesWithLambdaOptions> = {}, dataDir = tempDir()): Promise<RulesRuntime> {
  dirs.push(dataDir);
  const rt = await startRulesWithLambda({ bus: fx.broker, dataDir, region: 'us-east-1', rules: [], lambdaRetryDelaysMs: [20, 40], ...opts });
  runtimes.push(rt);
  return rt;
}

describe('Class: RulesRuntime', () => {
  describe('Method: republish action', () => {
    it('republishes the SQL output to a substituted topic with the action QoS', async () => {
      const rt = await start();
      await rt.createRule('rp', {
        sql: "SELECT temp * 2 AS doubled, topic(2) AS dev FROM 'in/+' WHERE temp > 10",
        awsIotSqlVersion: '2016-03-23',
        actions: [{ republish: { topic: `out/${substitution('topic(2)')}`, qos: 1, roleArn: ROLE } }],
      });
      const got = nextMessage(fx.broker, 'out/+');
      await fx.broker.publish('in/cold', JSON.stringify({ temp: 5 }));
      await fx.broker.publish('in/dev7', JSON.stringify({ temp: 21 }));
      const m = await got;
      expect(m.topic).toBe('out/dev7');
      expect(m.qos).toBe(1);
      expect(JSON.parse(m.payload.toString())).toEqual({ doubled: 42, dev: 'dev7' });
    });

    it('turns $$ into $ to republish on a reserved topic', async () => {
      const rt = await start();
      await rt.createRule('reserved', {
        sql: "SELECT state FROM 'cmd/+'",
        actions: [{ republish: { topic: `$$aws/things/${substitution('topic(2)')}/shadow/update`, roleArn: ROLE } }],
      });
      const got = nextMessage(fx.broker, '$aws/things/+/shadow/update');
      await fx.broker.publish('cmd/pet-1', JSON.stringify({ state: { desired: { on: true } } }));
      const m = await got;
      expect(m.topic).toBe('$aws/things/pet-1/shadow/update');
      expect(JSON.parse(m.payload.toString())).toEqual({ state: { desired: { on: true } } });
    });

    it('stops a rule that republishes onto its own FROM topic after a bounded number of hops', async () => {
      const rt = await start();
      const seen = collect(fx.broker, 'loop/#');
      await rt.createRule('loop', { sql: "SELECT n + 1 AS n FROM 'loop/#'", actions: [{ republish: { topic: 'loop/again', roleArn: ROLE } }] });
      await fx.broker.publish('loop/start', '{"n":0}');
      const deadline = Date.now() + 5000;
      while (seen.messages.length <= MAX_REPUBLISH_HOPS && Date.now() < deadline) await new Promise((r) => setImmediate(r));
      await rt.idle();
      seen.stop();
      expect(seen.messages).toHaveLength(MAX_REPUBLISH_HOPS + 1);
      expect(JSON.parse(seen.messages.at(-1)!.payload.toString())).toEqual({ n: MAX_REPUBLISH_HOPS });
    });

    it('reports a republish to an invalid resolved topic through errorAction, naming that topic', async () => {
      const rt = await start();
      await rt.createRule('badtopic', { sql: "SELECT * FROM 'bt/in'", actions: [{ republish: { topic: `bt/${substitution('level')}`, roleArn: ROLE } }], errorAction });
      const err = nextMessage(fx.broker, 'pulsepet/errors', (m) => JSON.parse(m.payload.toString()).ruleName === 'badtopic');
      await fx.broker.publish('bt/in', '{"level":"+"}');
      const msg = JSON.parse((await err).payload.toString());
      expect(msg.failures).toEqual([{ failedAction: 'RepublishAction', failedResource: 'bt/+', errorMessage: expect.stringContaining('cannot republish') }]);
      await rt.idle();
      expect(rt.listDeadLetters()[0]).toMatchObject({ actionType: 'republish', failedResource: 'bt/+' });
    });

    it('does nothing for a disabled rule and resumes when it is enabled', async () => {
      const rt = await start();
      await rt.createRule('toggle', { sql: "SELECT n FROM 'tg/in'", ruleDisabled: true, actions: [{ republish: { topic: 'tg/out', roleArn: ROLE } }] });
      const seen = collect(fx.broker, 'tg/out');
      await fx.broker.publish('tg/in', '{"n":1}');
      await rt.idle();
      expect(seen.messages).toHaveLength(0);
      await rt.setRuleEnabled('toggle', true);
      const got = nextMessage(fx.broker, 'tg/out');
      await fx.broker.publish('tg/in', '{"n":2}');
      expect(JSON.parse((await got).payload.toString())).toEqual({ n: 2 });
      seen.stop();
    });
  });

  describe('Method: lambda action', () => {
    it('invokes the registered handler asynchronously with the SQL output and a Lambda-like context', async () => {
      const calls: Array<{ event: unknown; ctx: LambdaContext }> = [];
      let resolveCall: () => void = () => {};
      const called = new Promise<void>((r) => {
        resolveCall = r;
      });
      const handler: LambdaHandler = async (event, ctx) => {
        calls.push({ event, ctx });
        resolveCall();
        return undefined;
      };
      const rt = await start({ functions: new Map([['ingest', handler]]) });
      await rt.createRule('lam', { sql: "SELECT *, clientid() AS c FROM 'lam/in'", actions: [{ lambda: { functionArn: fnArn('ingest') } }], errorAction });
      await fx.broker.publish('lam/in', '{"v":1}');
      await called;
      expect(calls[0]?.event).toEqual({ v: 1, c: 'n/a' });
      expect(calls[0]?.ctx).toMatchObject({ functionName: 'ingest', invokedFunctionArn: fnArn('ingest'), attempt: 1, ruleName: 'lam' });
    });

    it('keeps an invocation still running at shutdown queued, and runs it again after a restart', async () => {
      let started: () => void = () => {};
      const running = new Promise<void>((r) => {
        started = r;
      });
      const hanging: LambdaHandler = () => {
        started();
        return new Promise<never>(() => {});
      };
      const dir = tempDir();
      const rt = await start({ functions: new Map([['hang', hanging]]), closeGraceMs: 50 }, dir);
      await rt.createRule('hang', { sql: "SELECT * FROM 'hang/in'", actions: [{ lambda: { functionArn: fnArn('hang') } }], errorAction });
      await fx.broker.publish('hang/in', '{"batch":1}');
      await running;
      await rt.close();
      const seen: unknown[] = [];
      const reopened = await start({ functions: new Map([['hang', async (e: unknown) => void seen.push(e)]]) }, dir);
      await reopened.idle();
      expect(seen).toEqual([{ batch: 1 }]);
      expect(reopened.listDeadLetters()).toEqual([]);
    });

    it('gives every rule and every attempt its own copy of the event: a handler that changes its event changes nothing else', async () => {
      const seen: unknown[] = [];
      const mutator: LambdaHandler = async (event) => {
        seen.push(structuredClone(event));
        (event as { nested: { n: number } }).nested.n = -1;
        throw new Error('fail so Lambda retries');
      };
      const rt = await start({ functions: new Map([['mutator', mutator]]) });
      await rt.createRule('mut', { sql: "SELECT * FROM 'mut/in'", actions: [{ lambda: { functionArn: fnArn('mutator') } }], errorAction });
      await rt.createRule('copy', { sql: "SELECT * FROM 'mut/in'", actions: [{ republish: { topic: 'mut/out', qos: 1, roleArn: ROLE } }] });
      const republished = nextMessage(fx.broker, 'mut/out');
      await fx.broker.publish('mut/in', '{"nested":{"n":7}}');
      expect(JSON.parse((await republished).payload.toString())).toEqual({ nested: { n: 7 } });
      await rt.idle();
      // three attempts (the first and Lambda's two retries), each with the original event
      expect(seen).toEqual([{ nested: { n: 7 } }, { nested: { n: 7 } }, { nested: { n: 7 } }]);
      expect(JSON.parse(Buffer.from(rt.listDeadLetters()[0]?.base64ActionPayload ?? '', 'base64').toString())).toEqual({ nested: { n: 7 } });
    });

    it('retries a failing invocation twice with growing waits and succeeds on the third attempt without a dead letter', async () => {
      const times: number[] = [];
      const handler: LambdaHandler = async () => {
        times.push(Date.now());
        if (times.length < 3) throw new Error(`boom ${times.length}`);
      };
      const rt = await start({ functions: new Map([['flaky', handler]]), lambdaRetryDelaysMs: [30, 60] });
      await rt.createRule('flaky_rule', { sql: "SELECT * FROM 'fl/in'", actions: [{ lambda: { functionArn: fnArn('flaky') } }], errorAction });
      await fx.broker.publish('fl/in', '{"x":1}');
      await rt.idle();
      expect(times).toHaveLength(3);
      expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(25);
      expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(55);
      expect(rt.listDeadLetters()).toHaveLength(0);
    });

    it('dead-letters a batch the function rejects three times and reports it on pulsepet/errors in the error-action format', async () => {
      let attempts = 0;
      const rt = await start({
        functions: new Map<string, LambdaHandler>([
          [
            'reject',
            async () => {
              attempts++;
              throw new Error('batch rejected: bad sample');
            },
          ],
        ]),
      });
      await rt.createRule('rej', { sql: "SELECT * FROM 'rej/+'", actions: [{ lambda: { functionArn: fnArn('reject') } }], errorAction });
      const err = nextMessage(fx.broker, 'pulsepet/errors', (m) => JSON.parse(m.payload.toString()).ruleName === 'rej');
      const original = '{"batchId":"b1"}';
      await fx.broker.publish('rej/dev1', original);
      const msg = JSON.parse((await err).payload.toString());
      expect(attempts).toBe(3);
      expect(msg).toMatchObject({ ruleName: 'rej', topic: 'rej/dev1', base64OriginalPayload: Buffer.from(original).toString('base64') });
      expect(msg.cloudwatchTraceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(msg.failures).toEqual([{ failedAction: 'LambdaAction', failedResource: fnArn('reject'), errorMessage: expect.stringContaining('batch rejected: bad sample') }]);
      await rt.idle();
      const dl = rt.listDeadLetters();
      expect(dl).toHaveLength(1);
      expect(dl[0]).toMatchObject({ ruleName: 'rej', actionType: 'lambda', attempts: 3, topic: 'rej/dev1' });
    });

    it('replays dead letters to the fixed function and removes them; they survive a restart before that', async () => {
      let fail = true;
      const seen: unknown[] = [];
      const handler: LambdaHandler = async (event) => {
        if (fail) throw new Error('down');
        seen.push(event);
      };
      const dataDir = tempDir();
      const rt1 = await start({ functions: new Map([['f', handler]]) }, dataDir);
      await rt1.createRule('dl', { sql: "SELECT n FROM 'dl/in'", actions: [{ lambda: { functionArn: fnArn('f') } }] });
      await fx.broker.publish('dl/in', '{"n":7}');
      await rt1.idle();
      await rt1.close();
      const rt2 = await start({ functions: new Map([['f', handler]]) }, dataDir);
      expect(rt2.listDeadLetters()).toHaveLength(1);
      fail = false;
      const res = await rt2.replayDeadLetters();
      expect(res.failed).toEqual([]);
      expect(res.replayed).toHaveLength(1);
      expect(seen).toEqual([{ n: 7 }]);
      expect(rt2.listDeadLetters()).toHaveLength(0);
    });

    it('keeps an invocation waiting for its retry queued across a restart, with the attempts it made', async () => {
      const dataDir = tempDir();
      const failing: LambdaHandler = async () => {
        throw new Error('not yet');
      };
      const rt1 = await start({ functions: new Map([['slow', failing]]), lambdaRetryDelaysMs: [60_000, 60_000] }, dataDir);
      await rt1.createRule('stop', { sql: "SELECT n FROM 'stop/in'", actions: [{ lambda: { functionArn: fnArn('slow') } }] });
      const firstAttempt = once(rt1, 'lambda-attempt');
      await fx.broker.publish('stop/in', '{"n":4}');
      expect((await firstAttempt)[0]).toMatchObject({ functionName: 'slow', attempt: 1, ok: false });
      await rt1.close();
      const attempts: number[] = [];
      const recovered: LambdaHandler = async (event, ctx) => {
        attempts.push(ctx.attempt);
        expect(event).toEqual({ n: 4 });
      };
      const rt2 = await start({ functions: new Map([['slow', recovered]]) }, dataDir);
      await rt2.idle();
      expect(attempts).toEqual([2]);
      expect(rt2.listDeadLetters()).toEqual([]);
    });

    it('fails the action at once when no function of that name exists', async () => {
      const rt = await start();
      await rt.createRule('nofn', { sql: "SELECT * FROM 'nofn/in'", actions: [{ lambda: { functionArn: fnArn('missing') } }], errorAction });
      const err = nextMessage(fx.broker, 'pulsepet/errors', (m) => JSON.parse(m.payload.toString()).ruleName === 'nofn');
      await fx.broker.publish('nofn/in', '{}');
      const msg = JSON.parse((await err).payload.toString());
      expect(msg.failures[0]).toMatchObject({ failedAction: 'LambdaAction', failedResource: fnArn('missing') });
      expect(msg.failures[0].errorMessage).toContain('Function not found');
    });
  });

  describe('Method: timestream action', () => {
    it('writes one record per selected attribute with substituted dimensions and the timestamp template', async () => {
      const writes: TimestreamWriteRequest[] = [];
      const rt = await start({ timestream: async (req) => void writes.push(req) });
      await rt.createRule('ts', {
        sql: "SELECT hr, ok, note, tags FROM 'ts/+'",
        actions: [
          {
            timestream: {
              roleArn: ROLE,
              databaseName: 'pulsepet',
              tableName: 'presence',
              dimensions: [
                { name: 'thing', value: substitution('topic(2)') },
                { name: 'fw', value: 'v1' },
              ],
              timestamp: { value: substitution('t'), unit: 'MILLISECONDS' },
            },
          },
        ],
      });
      await fx.broker.publish('ts/pet-9', JSON.stringify({ hr: 61.5, ok: true, note: 'fine', tags: [1, 2], t: 1700000000123 }));
      await rt.idle();
      expect(writes).toHaveLength(1);
      const req = writes[0]!;
      expect(req.DatabaseName).toBe('pulsepet');
      expect(req.TableName).toBe('presence');
      expect(req.Records).toEqual([
        { Dimensions: [{ Name: 'thing', Value: 'pet-9', DimensionValueType: 'VARCHAR' }, { Name: 'fw', Value: 'v1', DimensionValueType: 'VARCHAR' }], MeasureName: 'hr', MeasureValue: '61.5', MeasureValueType: 'DOUBLE', Time: '1700000000123', TimeUnit: 'MILLISECONDS' },
        expect.objectContaining({ MeasureName: 'ok', MeasureValue: 'true', MeasureValueType: 'BOOLEAN' }),
        expect.objectContaining({ MeasureName: 'note', MeasureValue: 'fine', MeasureValueType: 'VARCHAR' }),
        expect.objectContaining({ MeasureName: 'tags', MeasureValue: '[1,2]', MeasureValueType: 'VARCHAR' }),
      ]);
    });

    it('reports a failed write through errorAction, dead-letters the request, and replays it', async () => {
      let down = true;
      const writes: TimestreamWriteRequest[] = [];
      const rt = await start({
        timestream: async (req) => {
          if (down) throw new Error('ThrottlingException');
          writes.push(req);
        },
      });
      await rt.createRule('tsf', {
        sql: "SELECT n FROM 'tsf/in'",
        actions: [{ timestream: { roleArn: ROLE, databaseName: 'pulsepet', tableName: 'presence', dimensions: [{ name: 'd', value: 'x' }] } }],
        errorAction,
      });
      const err = nextMessage(fx.broker, 'pulsepet/errors', (m) => JSON.parse(m.payload.toString()).ruleName === 'tsf');
      await fx.broker.publish('tsf/in', '{"n":3}');
      const msg = JSON.parse((await err).payload.toString());
      expect(msg.failures[0]).toMatchObject({ failedAction: 'TimestreamAction', failedResource: 'presence' });
      expect(msg.failures[0].errorMessage).toContain('ThrottlingException');
      await rt.idle();
      expect(rt.listDeadLetters()).toHaveLength(1);
      down = false;
      expect((await rt.replayDeadLetters()).replayed).toHaveLength(1);
      expect(writes[0]?.Records?.[0]).toMatchObject({ MeasureName: 'n', MeasureValue: '3', MeasureValueType: 'BIGINT' });
    });
  });

  describe('Method: start', () => {
    it('seeds the cloud-rules definitions once and keeps a seeded rule deleted through the API deleted', async () => {
      const dataDir = tempDir();
      dirs.push(dataDir);
      const rules = pulsepetRules({ region: 'us-east-1', accountId: '000000000000' });
      const rt1 = await start({ rules }, dataDir);
      expect(rt1.listRules().map((r) => r.ruleName)).toEqual(['ingest_telemetry', 'pet_state_to_timestream', 'presence_to_timestream', 'reason_on_telemetry']);
      await rt1.deleteRule('presence_to_timestream');
      await rt1.close();
      const rt2 = await start({ rules }, dataDir);
      expect(rt2.listRules().map((r) => r.ruleName)).toEqual(['ingest_telemetry', 'pet_state_to_timestream', 'reason_on_telemetry']);
    });

    it('removes a seeded rule that is no longer defined, unless it was changed through the API', async () => {
      const dataDir = tempDir();
      const def = (name: string) => ({ ruleName: name, topicRulePayload: { sql: `SELECT * FROM '${name}/in'`, awsIotSqlVersion: '2016-03-23', actions: [] } });
      const rt1 = await start({ rules: [def('kept'), def('old'), def('edited')] }, dataDir);
      await rt1.replaceRule('edited', { sql: "SELECT mine FROM 'edited/in'", actions: [] });
      await rt1.close();
      const rt2 = await start({ rules: [def('kept')] }, dataDir);
      expect(rt2.listRules().map((r) => r.ruleName)).toEqual(['edited', 'kept']);
    });

    it('updates a seeded rule whose definition changed, unless it was changed through the API', async () => {
      const dataDir = tempDir();
      dirs.push(dataDir);
      const def = (sql: string) => ({ ruleName: 'seeded', topicRulePayload: { sql, awsIotSqlVersion: '2016-03-23', actions: [] } });
      const other = (sql: string) => ({ ruleName: 'edited', topicRulePayload: { sql, awsIotSqlVersion: '2016-03-23', actions: [] } });
      const boot = (v: string) => startRulesWithLambda({ bus: fx.broker, dataDir, region: 'us-east-1', rules: [def(`SELECT ${v} FROM 'a'`), other(`SELECT ${v} FROM 'b'`)] });
      const rt1 = await boot('v1');
      await rt1.replaceRule('edited', { sql: "SELECT mine FROM 'b'", actions: [] });
      await rt1.close();
      const rt2 = await boot('v2');
      runtimes.push(rt2);
      expect(rt2.getRule('seeded').topicRulePayload.sql).toBe("SELECT v2 FROM 'a'");
      expect(rt2.getRule('edited').topicRulePayload.sql).toBe("SELECT mine FROM 'b'");
    });

    it('refuses to start with a rule definition that does not compile, naming the problem', async () => {
      const dataDir = tempDir();
      dirs.push(dataDir);
      await expect(
        startRulesWithLambda({ bus: fx.broker, dataDir, region: 'us-east-1', rules: [{ ruleName: 'bad', topicRulePayload: { sql: "SELECT FROM 'a'", actions: [] } }] }),
      ).rejects.toMatchObject({ code: 'PP_ERR_SQL' });
    });

    it('keeps a rule created through the API across a restart, still active', async () => {
      const dataDir = tempDir();
      const rt1 = await start({}, dataDir);
      await rt1.createRule('persist', { sql: "SELECT VALUE n FROM 'ps/in'", actions: [{ republish: { topic: 'ps/out', roleArn: ROLE } }] });
      await rt1.close();
      const rt2 = await start({}, dataDir);
      expect(rt2.getRule('persist').topicRulePayload.sql).toBe("SELECT VALUE n FROM 'ps/in'");
      const got = nextMessage(fx.broker, 'ps/out');
      await fx.broker.publish('ps/in', '{"n":5}');
      expect((await got).payload.toString()).toBe('5');
    });
  });
});
