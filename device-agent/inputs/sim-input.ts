import type { Logger } from '../../common/logger';
import type { SampleGenerator, SampleSink, SampleSource } from '../ports';

export interface SimInputOptions {
  /** plays the samples (cli/agent.ts hands in the watch simulator) */
  generator: SampleGenerator;
  /** the scenario it plays, for the log */
  scenario: string;
  intervalMs: number;
  /** stop producing after this many samples */
  limit?: number;
  logger: Logger;
}

/**
 * The built-in simulator as an input: one sample every `intervalMs` (changed at
 * run time by the `config` shadow), timestamped with the wall clock.
 */
export class SimInput implements SampleSource {
  readonly name = 'sim';
  private timer: NodeJS.Timeout | undefined;
  private sink: SampleSink | undefined;
  produced = 0;

  constructor(private readonly opts: SimInputOptions) {}

  async start(sink: SampleSink): Promise<void> {
    this.sink = sink;
    this.schedule();
    this.opts.logger.info({ scenario: this.opts.scenario, intervalMs: this.opts.intervalMs }, 'watch simulator started');
  }

  setIntervalMs(ms: number): void {
    if (ms === this.opts.intervalMs) return;
    this.opts.intervalMs = ms;
    this.opts.generator.setIntervalMs(ms);
    if (this.timer) {
      clearInterval(this.timer);
      this.schedule();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setInterval(() => {
      if (this.opts.limit !== undefined && this.produced >= this.opts.limit) return;
      this.produced++;
      const rec = this.opts.generator.next();
      rec.t = Date.now();
      void this.sink?.accept(rec, this.name);
    }, this.opts.intervalMs);
  }
}
