/** Test support: run the real `pulsepet` CLI in a child process. Not product code. */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pulsepet.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `pulsepet ...args` to completion (`as`: another user's uid/gid, for permission tests run as root). */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000, as?: { uid: number; gid: number }): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], env, timeoutMs, as);
}

/** Runs any command to completion, collecting its output; rejects when it outlives `timeoutMs`. */
export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000, as?: { uid: number; gid: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(as ?? {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ReadyLine {
  event: 'ready';
  mqttEndpoint: string;
  httpEndpoint: string;
  /** with `--https-port` only */
  httpsEndpoint?: string;
  caFile: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  envFile: string;
}

export interface RunningUp {
  ready: ReadyLine;
  /** first stdout line, exactly as printed */
  line: string;
  child: ChildProcessByStdio<null, Readable, Readable>;
  stderr(): string;
  /** sends the signal and resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `pulsepet up --json` on free ports and waits for its ready line. */
export function startUp(dataDir: string, extra: string[] = []): Promise<RunningUp> {
  const child = spawn(
    process.execPath,
    [BIN, 'up', '--json', '--data-dir', dataDir, '--mqtt-port', '0', '--http-port', '0', '--log-level', 'warn', ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      child.stdout.off('data', onData);
      const line = buf.slice(0, nl);
      try {
        resolve({
          ready: JSON.parse(line) as ReadyLine,
          line,
          child,
          stderr: () => stderr,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      } catch (e) {
        reject(new Error(`ready line is not JSON: ${line}`, { cause: e }));
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`pulsepet up exited ${code} before ready: ${stderr}`)));
  });
}
