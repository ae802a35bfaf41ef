/** Test support: runs `pulsepet fleet …` in-process with captured output. Not product code. */
import { Writable } from 'node:stream';
import { runFleet } from '../../cli/fleet';

/** A writable that keeps what is written. */
export function textSink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

/** `pulsepet fleet ARGV` with `env` as its whole environment; the exit code and both outputs. */
export async function runFleetCaptured(argv: string[], env: Record<string, string | undefined>): Promise<{ code: number; out: string; err: string }> {
  const stdout = textSink();
  const stderr = textSink();
  const code = await runFleet(argv, { env, stdout, stderr });
  return { code, out: stdout.text(), err: stderr.text() };
}
