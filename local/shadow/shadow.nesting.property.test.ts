import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { type ShadowHarness, startShadowHarness } from '../../test/support/local/shadow/harness';
import { MemoryBus } from '../../test/support/local/shadow/memory-bus';
import { mqttTransport, type Outcome, type ShadowTransport } from '../../test/support/local/shadow/transports';
import { DEFAULT_SHADOW_LIMITS } from './shadow-document';
import { ShadowService } from './shadow-service';
import { ShadowStore } from './shadow-store';

const MAX = DEFAULT_SHADOW_LIMITS.maxDepth;
/** What AWS answers for a document nested past the limit, and what depth 7 was already answered. */
const TOO_DEEP = { code: 400, message: `JSON contains too many levels of nesting; maximum is ${MAX}` };
/** Deepest update that fits IoT Core's 128 KB MQTT message (2 bytes a level); the broker refuses larger ones. */
const MQTT_MAX_DEPTH = 60_000;

/** `{"a":[[…[1]…]]}`: a desired section `depth` levels deep, 2 bytes a level. */
function desired(depth: number): string {
  return `{"a":${'['.repeat(depth - 1)}1${']'.repeat(depth - 1)}}`;
}

function update(depth: number, clientToken: string): string {
  return `{"clientToken":"${clientToken}","state":{"desired":${desired(depth)}}}`;
}

/** Below the limit the update is accepted with the state as sent; past it, AWS's 400. */
function expectOutcome(out: Outcome, depth: number): void {
  if (depth <= MAX) {
    expect(out.ok, JSON.stringify(out)).toBe(true);
    if (out.ok) expect(out.body.state).toEqual({ desired: JSON.parse(desired(depth)) });
  } else {
    expect(out).toMatchObject({ ok: false, ...TOO_DEEP });
  }
}

const depths = fc.integer({ min: 1, max: 100_000 });
const examples: Array<[number]> = [[1], [MAX], [MAX + 1], [5000], [100_000]];

describe('Shadow updates nested from 1 to 100,000 levels (real broker, real data-plane client)', () => {
  let h: ShadowHarness;
  let mqtt: ShadowTransport;
  let seq = 0;

  beforeAll(async () => {
    // no per-thing rate limit: the property sends many updates to one thing back to back
    h = await startShadowHarness({ limits: { requestsPerSecondPerThing: 0 } });
    mqtt = mqttTransport((thing) => h.connect(thing));
  });

  afterAll(async () => {
    await mqtt?.close();
    await h?.close();
  });

  async function viaHttp(depth: number): Promise<Outcome & { name?: string }> {
    try {
      const out = await h.iotdata.send(new UpdateThingShadowCommand({ thingName: 'deep-http', payload: Buffer.from(update(depth, `h${++seq}`)) }));
      return { ok: true, body: JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) };
    } catch (e) {
      const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
      if (err.$metadata?.httpStatusCode === undefined) throw e;
      return { ok: false, code: err.$metadata.httpStatusCode, message: err.message, name: err.name };
    }
  }

  it('UpdateThingShadow (HTTP) answers InvalidRequestException 400 past the limit, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(depths, async (depth) => {
        const out = await viaHttp(depth);
        // A body past iotdata's 128 KiB (about 65,500 levels here) is refused by the gateway
        // before it is read: 413, the other clear answer, never a 500.
        if (Buffer.byteLength(update(depth, `h${seq}`)) > 128 * 1024) {
          expect(out).toMatchObject({ ok: false, code: 413, name: 'RequestEntityTooLargeException' });
          return;
        }
        expectOutcome(out, depth);
        if (!out.ok) expect(out.name).toBe('InvalidRequestException');
      }),
      { numRuns: 40, examples },
    );
  });

  it('the update topic (MQTT) answers on /rejected with the same 400 past the limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: MQTT_MAX_DEPTH }), async (depth) => {
        expectOutcome(await mqtt.call('update', 'deep-mqtt', undefined, update(depth, `m${++seq}`)), depth);
      }),
      { numRuns: 40, examples: [[1], [MAX], [MAX + 1], [5000], [MQTT_MAX_DEPTH]] },
    );
  });
});

describe('Shadow service MQTT request path (in-memory bus, no 128 KB broker limit)', () => {
  let dir: string;
  let store: ShadowStore;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-shadow-deep-'));
    store = ShadowStore.open(dir);
  });

  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects 100,000 levels on /rejected echoing the clientToken, like depth 7', async () => {
    const bus = new MemoryBus();
    const svc = new ShadowService({ bus, store, logger: silentLogger(), limits: { requestsPerSecondPerThing: 0 } });
    svc.start();
    try {
      for (const depth of [MAX + 1, 5000, 100_000]) {
        const rejected = bus.next('$aws/things/deep-bus/shadow/update/rejected');
        await bus.inject('$aws/things/deep-bus/shadow/update', update(depth, `t${depth}`), { clientId: 'deep-bus' });
        await rejected;
        expect(bus.json('$aws/things/deep-bus/shadow/update/rejected').at(-1)).toMatchObject({ ...TOO_DEEP, clientToken: `t${depth}` });
      }
      expect(svc.stats()).toEqual({ 'rejected.400': 3 });
    } finally {
      svc.stop();
    }
  });
});
