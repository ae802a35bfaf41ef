import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_CASES, type Expectation } from '../../test/support/local/shadow/conformance-table';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';
import { httpTransport, mqttTransport, type Outcome, type ShadowTransport } from '../../test/support/local/shadow/transports';

function check(out: Outcome, exp: Expectation, where: string): void {
  if (!exp.ok) {
    expect(out.ok, `${where}: expected rejection ${exp.code}, got ${JSON.stringify(out)}`).toBe(false);
    if (out.ok) return;
    expect(out.code, where).toBe(exp.code);
    if (exp.message !== undefined) expect(out.message, where).toBe(exp.message);
    return;
  }
  expect(out.ok, `${where}: expected success, got ${JSON.stringify(out)}`).toBe(true);
  if (!out.ok) return;
  if (exp.state !== undefined) expect(out.body.state, where).toEqual(exp.state);
  if (exp.version !== undefined) expect(out.body.version, where).toBe(exp.version);
  if (exp.match !== undefined) expect(out.body, where).toMatchObject(exp.match);
  expect(typeof out.body.timestamp, `${where}: timestamp`).toBe('number');
}

// One harness for the file: the real broker (mTLS, device policy), the real gateway,
// the shadow service on the broker bus. Each case gets a fresh thing per transport.
describe('Shadow conformance (MQTT.js with device certificates, and the real data-plane client)', () => {
  let h: ShadowHarness;
  const transports: Record<'mqtt' | 'http', ShadowTransport | undefined> = { mqtt: undefined, http: undefined };

  beforeAll(async () => {
    h = await startShadowHarness();
    transports.mqtt = mqttTransport((thing) => h.connect(thing));
    transports.http = httpTransport(h.iotdata);
  });

  afterAll(async () => {
    await transports.mqtt?.close();
    await h?.close();
  });

  for (const via of ['mqtt', 'http'] as const) {
    describe(`via ${via}`, () => {
      CONFORMANCE_CASES.forEach((c, i) => {
        it(`${c.name} (${c.source})`, async () => {
          const t = transports[via];
          if (!t) throw new Error('harness not started');
          const thing = `conf-${via}-${i}`;
          for (const [n, step] of c.steps.entries()) {
            const out = await t.call(step.op, thing, step.shadow, step.payload);
            check(out, step.expect, `step ${n + 1} ${step.op}${step.shadow ? `(${step.shadow})` : ''}`);
          }
        });
      });
    });
  }
});
