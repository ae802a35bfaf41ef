import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentProcess, LogLine } from './agent-process';
import type { DeviceFiles } from './mosquitto';

/** Test support: the common `pulsepet agent` flags for a device and an endpoint. */
export function agentArgs(dev: DeviceFiles, endpoint: string, extra: string[] = [], outbox = newOutboxDir()): string[] {
  return ['--thing', dev.thing, '--endpoint', endpoint, '--cert', dev.certFile, '--key', dev.keyFile, '--ca', dev.caFile, '--outbox', outbox, ...extra];
}

export function newOutboxDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'pp-agent-')), 'outbox');
}

/** Port of the agent's `POST /samples` input, from its startup log. */
export async function httpInputPort(a: AgentProcess): Promise<number> {
  const l: LogLine = await a.waitForLog((x) => x.msg === 'http input listening on POST /samples');
  return l.port as number;
}

export async function statusPort(a: AgentProcess): Promise<number> {
  const l: LogLine = await a.waitForLog((x) => x.msg === 'status server listening');
  return l.port as number;
}

/** One value from the agent's Prometheus text. */
export async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`metric ${name} not found`);
  return Number(m[1]);
}

export const connectedCount = (a: AgentProcess): number => a.logs.filter((l) => l.msg === 'connected').length;
