import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { afterAll, describe, expect, it } from 'vitest';
import { bodyPersonaFor, scenarioFor } from '../simulators/index';
import { AGENT_THING, demoPets, FLEET_SCENARIOS, seedCommands } from './demo';
import { pulsepetBin, readEnvFile } from './demo/children';

/**
 * `pulsepet demo` as `npm start` runs it: a real process tree (up, seed-history, persona,
 * fleet provision, agent, simulate); the test reads the pets with the real client and
 * stops the demo with SIGINT.
 */

const dir = mkdtempSync(join(tmpdir(), 'pp-demo-'));
let demo: ChildProcess | undefined;
afterAll(() => {
  if (demo && demo.exitCode === null) demo.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function lines(p: ChildProcess): { next(timeoutMs: number): Promise<string> } {
  const queue: string[] = [];
  let buf = '';
  let wake: (() => void) | undefined;
  p.stdout?.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      queue.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    wake?.();
  });
  return {
    async next(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (Date.now() > until || p.exitCode !== null) throw new Error('no line from pulsepet demo');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 500);
        });
      }
      return queue.shift() as string;
    },
  };
}

describe('pulsepet demo', () => {
  it('seeds each pet with a seed of its own, so pets of the same history do not get the very same days, ending before the time each pet plays', () => {
    const commands = seedCommands(21, Date.UTC(2026, 10, 8, 18, 30));
    expect(commands.map((c) => c.name)).toEqual(demoPets().map((p) => `seed-${p.thing}`));
    const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];
    const byHistory = new Map<string, string[]>();
    for (const c of commands) {
      expect(flag(c.args, '--days')).toBe('21');
      // the fleet's pets play scenario time from Nov 8 on; the agent's pet lives in wall time (its days end yesterday)
      if (c.name === 'seed-demo-agent') expect(c.args).not.toContain('--before');
      else expect(flag(c.args, '--before')).toBe('2026-11-08');
      const history = flag(c.args, '--scenario') as string;
      byHistory.set(history, [...(byHistory.get(history) ?? []), flag(c.args, '--seed') as string]);
    }
    expect(byHistory.get('ordinary')?.length).toBeGreaterThan(1);
    for (const seeds of byHistory.values()) expect(new Set(seeds).size).toBe(seeds.length);
  });

  it('seeds each fleet pet with the history of the body the fleet simulator then plays for it, and goes on from its history', () => {
    const pets = demoPets();
    const commands = seedCommands(21, Date.UTC(2026, 10, 8, 18, 30));
    const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];
    const fleet = pets.filter((p) => p.driver === 'fleet');
    // simulate --seed 1 deals each device its body; a history of another body made a resting pet look stressed
    for (const p of fleet) expect(flag(commands.find((c) => c.name === `seed-${p.thing}`)?.args ?? [], '--persona')).toBe(bodyPersonaFor(1, p.thing));
    expect(new Set(fleet.map((p) => p.body)).size).toBeGreaterThan(1);
    expect(flag(commands.find((c) => c.name === `seed-${AGENT_THING}`)?.args ?? [], '--persona')).toBe('office');
    // the fleet deals FLEET_SCENARIOS in turn: the burnout and illness pets play on from their histories
    expect(fleet.map((p, i) => [p.history, scenarioFor([...FLEET_SCENARIOS], i)])).toEqual([
      ['burnout', 'burnout'],
      ['illness', 'illness'],
      ['ordinary', 'run'],
      ['ordinary', 'stress'],
      ['ordinary', 'hike'],
    ]);
  });

  it('starts six pets that change with their simulated bodies, prints the display URL, and stops cleanly on SIGINT', async () => {
    const started = Date.now();
    demo = spawn(process.execPath, [pulsepetBin(), 'demo', '--data-dir', dir, '--http-port', '0', '--mqtt-port', '0', '--history-days', '1', '--batch-interval', '5s', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = lines(demo);
    const ready = JSON.parse(await out.next(180_000)) as { event: string; displayUrl: string; pets: string[] };
    expect(ready.event).toBe('demo-ready');
    expect(ready.pets).toEqual(demoPets().map((p) => p.thing));
    expect(ready.pets).toHaveLength(6);
    const page = await fetch(ready.displayUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<html/i);

    const env = readEnvFile(join(dir, 'env'));
    const data = new IoTDataPlaneClient({
      endpoint: env.AWS_ENDPOINT_URL,
      region: env.AWS_REGION,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' },
      maxAttempts: 5,
    });
    const fresh = new Map<string, string>();
    const until = Date.now() + 150_000;
    while (fresh.size < 6 && Date.now() < until) {
      for (const thing of ready.pets) {
        const got = await data.send(new GetThingShadowCommand({ thingName: thing, shadowName: 'pet' })).catch(() => undefined);
        const doc = got ? (JSON.parse(Buffer.from(got.payload ?? new Uint8Array()).toString()) as { state?: { desired?: { mood?: string } }; metadata?: { desired?: { mood?: { timestamp?: number } } } }) : undefined;
        // a pet state written since the demo started: the live pipeline decided it
        const at = (doc?.metadata?.desired?.mood?.timestamp ?? 0) * 1000;
        if (doc?.state?.desired?.mood && at >= started) fresh.set(thing, doc.state.desired.mood);
      }
      if (fresh.size < 6) await new Promise((r) => setTimeout(r, 2_000));
    }
    data.destroy();
    expect([...fresh.keys()].sort()).toEqual([...ready.pets].sort());

    demo.kill('SIGINT');
    const stopped = JSON.parse(await out.next(120_000)) as { event: string; exitCodes: Record<string, number>; fleet?: { batches?: { lost?: number } } };
    expect(stopped.event).toBe('demo-stopped');
    expect(stopped.exitCodes.up).toBe(0);
    expect(stopped.fleet?.batches?.lost).toBe(0);
    const code = await new Promise<number | null>((r) => (demo?.exitCode !== null ? r(demo?.exitCode ?? null) : demo?.once('exit', (c) => r(c))));
    expect(code).toBe(0);
  }, 420_000);
});
