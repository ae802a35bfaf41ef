import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../../cli/pulsepet-stack';
import type { LocalStack } from '../../local/index';
import { type AvatarRequest, AvatarRequestSchema } from '../../protocol/avatar';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { minutesOf, publish, readPet } from '../../test/support/functions/reasoning-e2e';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../../test/support/local/stack';

/**
 * The reasoning function asks for the pet's face through Lambda's Invoke API (Event)
 * after each pet write, and only then: the avatar function is replaced here by an
 * in-process recorder, everything else is the pulsepet stack (rules, the reasoning
 * function in its own environment with its real Lambda client).
 */

let dir: string;
let stack: LocalStack;
let data: IoTDataPlaneClient;
const requests: Array<{ req: AvatarRequest; source: string }> = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-avatar-requests-'));
  const recorder = async (event: unknown, context: { ruleName: string }) => {
    requests.push({ req: AvatarRequestSchema.parse(event), source: context.ruleName });
  };
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), lambdaRetryDelaysMs: [50, 100], handlers: new Map([[FUNCTION_NAMES.avatar, recorder]]), displayDir: false });
  data = new IoTDataPlaneClient({ ...awsClientConfig(stack), maxAttempts: 6 });
}, 60_000);
afterAll(async () => {
  data?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

const CONTEXT = { altitudeM: 2200, weather: 'light rain' };

/** Publishes one-minute batches one after another, each handled before the next (as a watch sends them, not all at once). */
async function publishMinutes(client: Parameters<typeof publish>[0], thing: string, samples: Parameters<typeof publish>[2], seqBase: number): Promise<void> {
  for (let i = 0; i < samples.length; i += 60) {
    await publish(client, thing, samples.slice(i, i + 60), seqBase + i / 60, CONTEXT, 60);
    await stack.rules.idle();
    await stack.lambda.idle();
  }
}

async function petWrites(thing: string): Promise<number> {
  const out = await data.send(new GetThingShadowCommand({ thingName: thing, shadowName: 'reasoning' }));
  return (JSON.parse(new TextDecoder().decode(out.payload)) as { state: { reported: { counters: { petWrites: number } } } }).state.reported.counters.petWrites;
}

describe('The reasoning function and the avatar', () => {
  it('asks for the avatar once per pet write (a state change), never per batch, with the state it wrote', async () => {
    const thing = 'avatar-asker';
    const client = await connectMqtt(stack, await provisionTestDevice(stack, thing));
    const end = Date.now();
    // 15 minutes at rest then 15 still and tense, in batches of one minute: 30 batches
    const samples = [...minutesOf('rest', end - 15 * 60_000), ...minutesOf('stress', end)];
    await publishMinutes(client, thing, samples, 0);
    const mine = requests.filter((r) => r.req.thing === thing);
    // every pet write is one shadow version (the recorder writes nothing); state changes are counted by the loop
    const { desired: pet, version: writes } = await readPet(data, thing);
    expect(writes).toBeGreaterThan(0);
    expect(mine.length).toBe(writes);
    expect(mine.length).toBeLessThanOrEqual(await petWrites(thing));
    expect(mine.length).toBeLessThan(30);
    expect(mine.every((r) => r.source === 'lambda:Invoke')).toBe(true);
    const last = mine.at(-1)?.req;
    expect(last).toMatchObject({ kind: 'avatar', v: 1, stateHash: pet?.stateHash, persona: pet?.persona, mood: pet?.mood, spoons: pet?.spoons, activity: pet?.stress });
    expect(last?.environment).toEqual(CONTEXT);
    // the same batches again (duplicates): no pet write, no new request
    await publishMinutes(client, thing, samples.slice(-120), 28);
    expect((await readPet(data, thing)).version).toBe(writes);
    expect(requests.filter((r) => r.req.thing === thing).length).toBe(writes);
    // another minute: a request only if the pet was written again (its spoons may move), one per write
    await publishMinutes(client, thing, minutesOf('stress', end + 60_000, 1), 100);
    expect(requests.filter((r) => r.req.thing === thing).length).toBe((await readPet(data, thing)).version);
    await client.endAsync();
  }, 120_000);
});
