import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger } from '../../common/logger';
import type { SampleSink, SampleSource } from '../ports';

/**
 * Newline-delimited JSON samples from a stream (stdin by default). A line that is
 * not JSON or not a valid sample is rejected with its reason and counted; the rest
 * go on. Reading pauses while too many appends are outstanding (backpressure).
 */
export class JsonLinesInput implements SampleSource {
  readonly name: string;
  private rl: Interface | undefined;
  private outstanding = 0;
  private done: Promise<void> | undefined;

  constructor(
    private readonly stream: Readable,
    private readonly logger: Logger,
    opts: { name?: string; maxOutstanding?: number } = {},
  ) {
    this.name = opts.name ?? 'stdin';
    this.maxOutstanding = opts.maxOutstanding ?? 2_000;
  }

  private readonly maxOutstanding: number;

  async start(sink: SampleSink): Promise<void> {
    const rl = createInterface({ input: this.stream, crlfDelay: Number.POSITIVE_INFINITY });
    this.rl = rl;
    let lineNo = 0;
    this.done = new Promise((resolve) => rl.once('close', () => resolve()));
    rl.on('line', (line) => {
      lineNo++;
      if (line.trim() === '') return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        const reason = `line ${lineNo}: not JSON (${(e as Error).message})`;
        this.logger.warn({ source: this.name, reason }, 'sample rejected');
        sink.reject('invalid', this.name);
        return;
      }
      this.outstanding++;
      if (this.outstanding >= this.maxOutstanding) rl.pause();
      void sink.accept(raw, this.name).then((r) => {
        if (!r.ok) this.logger.warn({ source: this.name, line: lineNo, reason: r.reason }, 'sample rejected');
        this.outstanding--;
        if (this.outstanding < this.maxOutstanding / 2) rl.resume();
      });
    });
    rl.once('close', () => this.logger.info({ source: this.name, lines: lineNo }, 'input stream ended'));
  }

  /** Resolves when the stream has ended (EOF). */
  ended(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    this.rl?.close();
  }
}
