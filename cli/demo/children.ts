/**
 * The demo's child processes: each step of the demo is a real `pulsepet` command
 * (`up`, `simulate`, `fleet`, `agent`) run as its own process, exactly as a user would
 * run it, with its stderr kept in a log file of the demo's data dir.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The `pulsepet` executable this process runs from (bin/pulsepet.mjs). */
export function pulsepetBin(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return join(here, '..', '..', 'bin', 'pulsepet.mjs');
}

export interface Child {
  name: string;
  proc: ChildProcess;
  /** resolves with the exit code (a signal counts as 128 + its number, as a shell says) */
  exited: Promise<number>;
  /** resolves once its stdout log file has everything the child printed */
  flushed: Promise<void>;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Starts `pulsepet ARGS` with `env`; stderr goes to `logDir/name.log`, stdout (unless `keepStdout`, for a caller that reads it) to `logDir/name.out`. */
export function startChild(name: string, args: string[], env: NodeJS.ProcessEnv, logDir: string, keepStdout = false): Child {
  mkdirSync(logDir, { recursive: true });
  // its own process group: a Ctrl-C at the terminal reaches the demo only, which stops
  // the devices before the IoT Core instead of everything at once
  const proc = spawn(process.execPath, [pulsepetBin(), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  proc.stderr?.pipe(log);
  // a pipe nobody reads would stall a chatty child (the agent's watch output) once full
  let flushed = Promise.resolve();
  if (!keepStdout && proc.stdout) {
    const out = createWriteStream(join(logDir, `${name}.out`), { flags: 'a' });
    flushed = new Promise<void>((done) => out.once('close', () => done()));
    proc.stdout.pipe(out);
  }
  const exited = new Promise<number>((resolve) => {
    proc.once('exit', (code, signal) => resolve(code ?? 128 + (SIGNALS[signal ?? ''] ?? 1)));
    proc.once('error', () => resolve(127));
  });
  return { name, proc, exited, flushed };
}

/** Runs `pulsepet ARGS` to completion; rejects with the log's last lines when it fails. */
export async function runChild(name: string, args: string[], env: NodeJS.ProcessEnv, logDir: string): Promise<string> {
  const c = startChild(name, args, env, logDir, true);
  let out = '';
  c.proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const code = await c.exited;
  if (code !== 0) throw new Error(`pulsepet ${args.slice(0, 2).join(' ')} exited ${code}; see ${join(logDir, `${name}.log`)}`);
  return out;
}

/** The first stdout line of a child (its ready line), or a rejection when it exits or times out first. */
export function firstLine(c: Child, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${c.name} printed no ready line within ${timeoutMs / 1000} s`)), timeoutMs);
    c.proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    void c.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${c.name} exited ${code} before it was ready`));
    });
  });
}

/** Stops a child: SIGINT (its clean shutdown), then SIGKILL after `graceMs`. */
export async function stopChild(c: Child, graceMs: number): Promise<number> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return c.exited;
  c.proc.kill('SIGINT');
  const timer = setTimeout(() => c.proc.kill('SIGKILL'), graceMs);
  const code = await c.exited;
  clearTimeout(timer);
  return code;
}

/** The variables an `up` env file exports (`export K=V` or `export K='V'` lines). */
export function readEnvFile(path: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) vars[m[1]] = m[2].replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
  }
  return vars;
}
