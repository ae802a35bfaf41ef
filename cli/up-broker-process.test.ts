import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningUp, startUp } from '../test/support/cli';
import { processAlive, until, waitFor } from '../test/support/local/broker';
import { connectMqtt, provisionTestDevice } from '../test/support/local/stack';

const running: RunningUp[] = [];
afterEach(async () => {
  for (const up of running.splice(0)) if (up.child.exitCode === null) await up.stop('SIGKILL');
});

/** Pids of the broker processes whose parent is `pid` (from /proc/PID/stat and cmdline). */
function brokerChildrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('broker-process')) out.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

async function start(): Promise<{ up: RunningUp; brokerPid: number }> {
  const up = await startUp(join(mkdtempSync(join(tmpdir(), 'pp-up-bp-')), 'state'), ['--broker-process']);
  running.push(up);
  const pid = up.child.pid as number;
  await until(() => brokerChildrenOf(pid).length === 1, 5_000, 'the broker process');
  return { up, brokerPid: brokerChildrenOf(pid)[0] as number };
}

describe('CLI: pulsepet up --broker-process', () => {
  it('serves devices from a child process and stops it with the stack on SIGINT', async () => {
    const { up, brokerPid } = await start();
    const stack = { ...up.ready, credentials: { accessKeyId: up.ready.accessKeyId, secretAccessKey: up.ready.secretAccessKey } };
    const device = await provisionTestDevice(stack, 'pet-1');
    const client = await connectMqtt(stack, device);
    await client.subscribeAsync('$aws/things/pet-1/shadow/update/accepted', { qos: 1 });
    const accepted = waitFor<void>((resolve) => client.once('message', () => resolve()), 5_000, 'update/accepted');
    await client.publishAsync('$aws/things/pet-1/shadow/update', '{"state":{"reported":{"on":true}}}', { qos: 1 });
    await accepted;
    await client.endAsync();
    expect(await up.stop('SIGINT')).toBe(0);
    expect(processAlive(brokerPid)).toBe(false);
  });

  it('exits 1 when the broker process dies', async () => {
    const { up, brokerPid } = await start();
    const exited = new Promise<number | null>((resolve) => up.child.once('exit', (code) => resolve(code)));
    process.kill(brokerPid, 'SIGKILL');
    expect(await exited).toBe(1);
    expect(up.stderr()).toMatch(/broker process exited/);
  });
});
