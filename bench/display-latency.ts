/**
 * Display benchmark: the time from a `pet` shadow update to the page showing it, measured
 * in the browser (Chromium, the display built as `npm ci` builds it, on the local stack
 * as `pulsepet up` serves it). The page follows every pet over MQTT on a presigned
 * WebSocket with identity-pool credentials; an observer in the page stamps the moment a
 * pet's card carries the new state (`dom`) and the start of the next frame (`frame`, when
 * it is painted). Baseline, measured in the same run on the same updates: a Node MQTT.js
 * client on the same WebSocket endpoint subscribed to the same topic, i.e. the stack's
 * update → documents delivery without a browser or a page.
 *
 *   npx tsx bench/display-latency.ts [--pets 20] [--updates 200] [--gap-ms 50]
 *
 * Updates go one at a time (each after the previous was acknowledged, then `gap-ms`),
 * round-robin over the pets, written with UpdateThingShadow as the reasoning function
 * writes them. Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { z } from 'zod';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import { parseFlags } from '../common/cli-config';
import type { LocalStack } from '../local/index';
import { buildDisplay, launchChromium } from '../test/support/display/browser';
import { connectWs, presignMqttUrl } from '../test/support/local/display';
import { awsClientConfig } from '../test/support/local/stack';
import { latencySummary } from './latency';

const Flags = z.object({
  pets: z.coerce.number().int().min(1).max(500).default(20),
  updates: z.coerce.number().int().min(1).max(100_000).default(200),
  'gap-ms': z.coerce.number().int().min(0).max(10_000).default(50),
});
const flags = parseFlags(process.argv.slice(2), { pets: { type: 'string' }, updates: { type: 'string' }, 'gap-ms': { type: 'string' } }, Flags);

/** Each pet sent one sample, so the display's fleet query lists it. */
async function seedFleet(stack: LocalStack, things: string[]): Promise<void> {
  const write = new TimestreamWriteClient(awsClientConfig(stack));
  const now = String(Date.now());
  const Records = things.map((thing) => ({
    Dimensions: [{ Name: 'thing', Value: thing }],
    MeasureName: 'vitals',
    MeasureValueType: 'MULTI' as const,
    MeasureValues: [{ Name: 'hr', Value: '60', Type: 'DOUBLE' as const }],
    Time: now,
  }));
  for (let i = 0; i < Records.length; i += 100) await write.send(new WriteRecordsCommand({ DatabaseName: 'pulsepet', TableName: 'telemetry', Records: Records.slice(i, i + 100) }));
  write.destroy();
}

function petState(i: number, updatedAt: number) {
  const moods = ['happy', 'calm', 'tired', 'stressed'] as const;
  return { mood: moods[i % moods.length], energy: (i % 10) / 10, message: `Update ${i}.`, stress: i % 4 === 3 ? 'stress' : 'rest', source: 'deterministic', updatedAt };
}

/**
 * Installed in the page: stamps when a card first carries each `data-updated-at` value,
 * and the start of the next frame. A string, not a function: tsx's transform would put
 * helpers into a function's source that the page does not have.
 */
const OBSERVE_CARDS = `(() => {
  const shown = (window.__shown = {});
  const stamp = (el) => {
    const v = el.getAttribute('data-updated-at');
    if (!v || shown[v]) return;
    const entry = { dom: performance.timeOrigin + performance.now() };
    shown[v] = entry;
    requestAnimationFrame((ts) => { entry.frame = performance.timeOrigin + ts; });
  };
  new MutationObserver((records) => {
    for (const r of records) r.addedNodes.forEach((n) => n instanceof Element && n.matches('li[data-updated-at]') && stamp(n));
  }).observe(document.body, { childList: true, subtree: true });
})()`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-bench-display-'));
  const browser = await launchChromium();
  const stack = await startPulsepetStack({ dataDir: join(dir, 'data'), displayDir: await buildDisplay(join(dir, 'dist')) });
  const data = new IoTDataPlaneClient(awsClientConfig(stack));
  const things = Array.from({ length: flags.pets }, (_, i) => `bench-pet-${i}`);
  try {
    await seedFleet(stack, things);
    for (const [i, thing] of things.entries()) await data.send(new UpdateThingShadowCommand({ thingName: thing, shadowName: 'pet', payload: Buffer.from(JSON.stringify({ state: { desired: petState(i, i + 1) } })) }));

    const baseline = new Map<number, number>();
    const ws = await connectWs(await presignMqttUrl(stack, stack.credentials), 'display-bench-baseline');
    if (!ws.ok) throw new Error(`baseline client: ${ws.error}`);
    await ws.client.subscribeAsync('$aws/things/+/shadow/name/pet/update/documents', { qos: 1 });
    ws.client.on('message', (_t, payload) => {
      const at = (JSON.parse(payload.toString()) as { current?: { state?: { desired?: { updatedAt?: number } } } }).current?.state?.desired?.updatedAt;
      if (at !== undefined && !baseline.has(at)) baseline.set(at, performance.timeOrigin + performance.now());
    });

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${stack.httpEndpoint}/display/`);
    await page.waitForFunction(() => document.getElementById('connection')?.dataset.state === 'online', undefined, { timeout: 30_000 });
    await page.waitForFunction((n) => document.querySelectorAll('li[data-updated-at]').length >= n, things.length, { timeout: 30_000 });
    // the page reads every pet's shadows again once subscribed: let that finish first
    await page.waitForLoadState('networkidle');
    await page.evaluate(OBSERVE_CARDS);

    const sent = new Map<number, number>();
    const base = Date.now() * 10;
    for (let i = 0; i < flags.updates; i++) {
      const updatedAt = base + i;
      const thing = things[i % things.length] as string;
      sent.set(updatedAt, performance.timeOrigin + performance.now());
      await data.send(new UpdateThingShadowCommand({ thingName: thing, shadowName: 'pet', payload: Buffer.from(JSON.stringify({ state: { desired: petState(i, updatedAt) } })) }));
      if (flags['gap-ms'] > 0) await new Promise((r) => setTimeout(r, flags['gap-ms']));
    }
    const last = base + flags.updates - 1;
    await page.waitForFunction(`window.__shown['${last}']?.frame !== undefined`, undefined, { timeout: 10_000 }).catch(() => undefined);
    const shown = (await page.evaluate('window.__shown')) as Record<string, { dom: number; frame?: number }>;
    await ws.client.endAsync();

    const dom: number[] = [];
    const frame: number[] = [];
    const wire: number[] = [];
    for (const [at, t0] of sent) {
      const s = shown[String(at)];
      if (s) dom.push(s.dom - t0);
      if (s?.frame !== undefined) frame.push(s.frame - t0);
      const b = baseline.get(at);
      if (b !== undefined) wire.push(b - t0);
    }
    const display = latencySummary(frame);
    const floor = latencySummary(wire);
    const out = {
      benchmark: 'display-latency',
      pets: flags.pets,
      updates: flags.updates,
      gapMs: flags['gap-ms'],
      shownInBrowser: { frame: display, dom: latencySummary(dom), missed: flags.updates - frame.length },
      baselineNodeWs: { ...floor, missed: flags.updates - wire.length },
      displayOverheadP50Ms: display.p50Ms !== null && floor.p50Ms !== null ? Math.round((display.p50Ms - floor.p50Ms) * 100) / 100 : null,
      chromium: browser.version(),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    data.destroy();
    await browser.close();
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
