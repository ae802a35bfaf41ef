import type { Logger } from '../../common/logger';
import { WatchSimulator, type WatchScenario } from '../../simulators/watch';
import type { SampleSink, SampleSource } from '../ports';

/**
 * The built-in watch simulator as an input: one sample every `intervalMs` (changed
 * at run time by the `config` shadow), timestamped with the wall clock.
 */
export class SimInput implements SampleSource {
  readonly name = 'sim';
  private timer: NodeJS.Timeout | undefined;
  private readonly sim: WatchSimulator;
  private sink: SampleSink | undefined;
  produced = 0;

  constructor(
    private readonly opts: { scenario: WatchScenario; intervalMs: number; seed?: number; limit?: number; logger: Logger },
  ) {
    this.sim = new WatchSimulator({ scenario: opts.scenario, seed: opts.seed ?? Date.now() % 2 ** 31, intervalMs: opts.intervalMs });
  }

  async start(sink: SampleSink): Promise<void> {
    this.sink = sink;
    this.schedule();
    this.opts.logger.info({ scenario: this.opts.scenario, intervalMs: this.opts.intervalMs }, 'watch simulator started');
  }

  setIntervalMs(ms: number): void {
    if (ms === this.opts.intervalMs) return;
    this.opts.intervalMs = ms;
    this.sim.setIntervalMs(ms);
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
      const rec = this.sim.next();
      rec.t = Date.now();
      void this.sink?.accept(rec, this.name);
    }, this.opts.intervalMs);
  }
}
