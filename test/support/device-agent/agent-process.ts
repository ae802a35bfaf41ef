/**
 * Test support (not product code): runs `pulsepet agent` as a child process — the
 * way users run it — and exposes its JSON logs, stdout frames and signals.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface LogLine {
  msg?: string;
  level?: number;
  [k: string]: unknown;
}

export class AgentProcess {
  readonly child: ChildProcess;
  readonly logs: LogLine[] = [];
  readonly stdoutLines: string[] = [];
  stderrText = '';
  private listeners = new Set<() => void>();
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(ROOT, 'bin', 'pulsepet.mjs'), 'agent', ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    let errBuf = '';
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderrText += d.toString();
      errBuf += d.toString();
      let nl = errBuf.indexOf('\n');
      while (nl >= 0) {
        const line = errBuf.slice(0, nl);
        errBuf = errBuf.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          this.logs.push({ msg: line });
        }
        nl = errBuf.indexOf('\n');
      }
      this.notify();
    });
    let outBuf = '';
    this.child.stdout?.on('data', (d: Buffer) => {
      outBuf += d.toString();
      let nl = outBuf.indexOf('\n');
      while (nl >= 0) {
        this.stdoutLines.push(outBuf.slice(0, nl));
        outBuf = outBuf.slice(nl + 1);
        nl = outBuf.indexOf('\n');
      }
      this.notify();
    });
    this.child.once('exit', () => this.notify());
  }

  /** Waits until a log line matches; fails with the logs so far after the deadline. */
  async waitForLog(pred: (l: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    return this.waitFor(() => this.logs.find(pred), timeoutMs, 'log line');
  }

  /** Polls a condition on each output event (and every 100 ms) until it holds. */
  async waitFor<T>(get: () => T | undefined | false, timeoutMs = 20_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = get();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; agent stderr tail:\n${this.stderrText.slice(-3000)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 100);
        const self = this;
        function done(): void {
          clearTimeout(t);
          self.listeners.delete(done);
          resolve();
        }
        this.listeners.add(done);
      });
    }
  }

  writeStdin(text: string): void {
    this.child.stdin?.write(text);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  private notify(): void {
    const l = this.listeners;
    this.listeners = new Set();
    for (const f of l) f();
  }
}
