import { describe, expect, it } from 'vitest';
import { summarize } from '../protocol/telemetry';
import { TOPICS } from '../protocol/topics';
import { AWS_IOT_SQL_VERSION, FUNCTION_NAMES, pulsepetRules, TopicRulePayloadSchema } from './rules';
import { compileRule, outputBytes, topicMatches } from './sql/index';
import { compileTemplate } from './substitution';

const env = { region: 'eu-west-1', accountId: '123456789012' };
const rules = pulsepetRules(env);
const byName = (n: string) => {
  const r = rules.find((x) => x.ruleName === n);
  if (!r) throw new Error(`no rule ${n}`);
  return r;
};

function batch(samples: Array<{ hr: number; hrvRmssd?: number; steps?: number }>) {
  const s = samples.map((x, i) => ({ t: 1_700_000_000_000 + i * 1000, ...x }));
  return { v: 1, batchId: 'b-1', seq: 1, samples: s, summary: summarize(s) };
}

function fire(ruleName: string, topic: string, payload: unknown): unknown {
  const rule = compileRule(byName(ruleName).topicRulePayload.sql);
  if (!topicMatches(rule.topicFilter, topic)) return undefined;
  const out = rule.evaluate(Buffer.from(JSON.stringify(payload)), { topic, clientId: 'pet-1', timestamp: 1 });
  return out === undefined ? undefined : JSON.parse(outputBytes(out).toString());
}

describe('Function: pulsepetRules', () => {
  it('defines ingest_telemetry, reason_on_telemetry, reword_on_persona, presence_to_timestream and pet_state_to_timestream as valid TopicRulePayloads in SQL 2016-03-23', () => {
    expect(rules.map((r) => r.ruleName).sort()).toEqual(['ingest_telemetry', 'pet_state_to_timestream', 'presence_to_timestream', 'reason_on_telemetry', 'reword_on_persona']);
    for (const r of rules) {
      expect(TopicRulePayloadSchema.parse(r.topicRulePayload)).toEqual(r.topicRulePayload);
      expect(r.topicRulePayload.awsIotSqlVersion).toBe(AWS_IOT_SQL_VERSION);
      expect(() => compileRule(r.topicRulePayload.sql)).not.toThrow();
    }
  });

  it('gives every rule an errorAction republishing to pulsepet/errors', () => {
    for (const r of rules) {
      expect(r.topicRulePayload.errorAction?.republish).toEqual({ topic: TOPICS.errors.pattern, qos: 1, roleArn: 'arn:aws:iam::123456789012:role/pulsepet-iot-rules' });
    }
  });

  it('builds ARNs from the region and account it is given', () => {
    expect(byName('ingest_telemetry').topicRulePayload.actions[0]?.lambda?.functionArn).toBe(`arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION_NAMES.ingest}`);
    expect(byName('reason_on_telemetry').topicRulePayload.actions[0]?.lambda?.functionArn).toBe(`arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION_NAMES.reasoning}`);
  });

  it('sends every telemetry batch to ingest with the thing name from the topic', () => {
    const b = batch([{ hr: 70 }]);
    expect(fire('ingest_telemetry', 'dt/pulsepet/pet-1/telemetry', b)).toEqual({ ...b, thing: 'pet-1' });
    expect(fire('ingest_telemetry', 'dt/pulsepet/pet-1/other', b)).toBeUndefined();
  });

  it('sends every telemetry batch to reasoning, calm ones too (a pet must also calm down)', () => {
    const calm = batch([{ hr: 70, hrvRmssd: 60, steps: 30 }]);
    expect(fire('reason_on_telemetry', 'dt/pulsepet/pet-1/telemetry', calm)).toEqual({ ...calm, thing: 'pet-1' });
    const noHrv = batch([{ hr: 170, steps: 100 }]);
    expect(fire('reason_on_telemetry', 'dt/pulsepet/pet-1/telemetry', noHrv)).toMatchObject({ thing: 'pet-1' });
    expect(fire('reason_on_telemetry', 'dt/pulsepet/pet-1/other', calm)).toBeUndefined();
  });

  it('sends a changed desired persona of the config shadow to reasoning, and nothing else of that shadow', () => {
    const topic = '$aws/things/pet-1/shadow/name/config/update/documents';
    const doc = (prev: Record<string, unknown>, cur: Record<string, unknown>) => ({
      previous: { state: { desired: prev, reported: {} }, version: 1 },
      current: { state: { desired: cur, reported: {} }, version: 2 },
      timestamp: 1,
    });
    expect(fire('reword_on_persona', topic, doc({ persona: 'encouraging' }, { persona: 'strict' }))).toEqual({ kind: 'persona', thing: 'pet-1', persona: 'strict' });
    expect(fire('reword_on_persona', topic, doc({}, { persona: 'strict' }))).toEqual({ kind: 'persona', thing: 'pet-1', persona: 'strict' });
    expect(fire('reword_on_persona', topic, doc({ persona: 'strict' }, { persona: 'strict', units: 'imperial' }))).toBeUndefined();
    expect(fire('reword_on_persona', topic, doc({ units: 'metric' }, { units: 'imperial' }))).toBeUndefined();
    expect(fire('reword_on_persona', '$aws/things/pet-1/shadow/name/pet/update/documents', doc({}, { persona: 'strict' }))).toBeUndefined();
    expect(byName('reword_on_persona').topicRulePayload.actions[0]?.lambda?.functionArn).toBe(`arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION_NAMES.reasoning}`);
  });

  it('maps presence events to measures with the thing dimension and event timestamp', () => {
    const event = { clientId: 'pet-1', timestamp: 1_573_002_230_757, eventType: 'disconnected', disconnectReason: 'CONNECTION_LOST', versionNumber: 1 };
    const topic = '$aws/events/presence/disconnected/pet-1';
    expect(fire('presence_to_timestream', topic, event)).toEqual({ eventType: 'disconnected', connected: false, disconnectReason: 'CONNECTION_LOST' });
    const ts = byName('presence_to_timestream').topicRulePayload.actions[0]?.timestream;
    expect(ts).toMatchObject({ databaseName: 'pulsepet', tableName: 'presence' });
    const messageEnvFor = { payload: event, raw: Buffer.from(JSON.stringify(event)), ctx: { topic, timestamp: 0 } };
    expect(compileTemplate(ts?.dimensions[0]?.value ?? '').render(messageEnvFor)).toBe('pet-1');
    expect(compileTemplate(ts?.timestamp?.value ?? '').render(messageEnvFor)).toBe('1573002230757');
  });

  it("keeps each new pet state (not the agent's reported echo) as measures of table petStates", () => {
    const topic = '$aws/things/pet-1/shadow/name/pet/update/documents';
    const desired = { mood: 'stressed', energy: 0.4, message: 'Breathe.', stress: 'stress', stressLevel: 71, spoons: 5, readiness: { score: 48, top: [] }, updatedAt: 2_000 };
    const written = { previous: { state: { desired: { ...desired, mood: 'calm', updatedAt: 1_000 } }, version: 3 }, current: { state: { desired }, version: 4 }, timestamp: 2 };
    expect(fire('pet_state_to_timestream', topic, written)).toEqual({ mood: 'stressed', stress: 'stress', stressLevel: 71, energy: 0.4, spoons: 5, readiness: 48 });
    const first = { previous: null, current: { state: { desired: { mood: 'calm', energy: 1, message: 'Hi', updatedAt: 1_000 } }, version: 1 }, timestamp: 1 };
    expect(fire('pet_state_to_timestream', topic, first)).toEqual({ mood: 'calm', energy: 1 });
    const echo = { previous: { state: { desired }, version: 4 }, current: { state: { desired, reported: { mood: 'stressed' } }, version: 5 }, timestamp: 3 };
    expect(fire('pet_state_to_timestream', topic, echo)).toBeUndefined();
    expect(fire('pet_state_to_timestream', '$aws/things/pet-1/shadow/name/config/update/documents', written)).toBeUndefined();
    const ts = byName('pet_state_to_timestream').topicRulePayload.actions[0]?.timestream;
    expect(ts).toMatchObject({ databaseName: 'pulsepet', tableName: 'petStates' });
    const env = { payload: written, raw: Buffer.from(JSON.stringify(written)), ctx: { topic, timestamp: 1_700_000_000_123 } };
    expect(compileTemplate(ts?.dimensions[0]?.value ?? '').render(env)).toBe('pet-1');
    expect(compileTemplate(ts?.timestamp?.value ?? '').render(env)).toBe('2000');
  });
});
