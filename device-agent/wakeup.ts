/**
 * A level-free wake-up signal for the agent's loops: `wait` returns on the next
 * `notify` or after a timeout; `sleep` waits out its time unless `abort()` turns
 * true at a notify (so a stop is never delayed by a long backoff).
 */
export class Wakeup {
  private waiters = new Set<() => void>();

  notify(): void {
    const w = this.waiters;
    this.waiters = new Set();
    for (const f of w) f();
  }

  wait(ms: number, abort: () => boolean = () => false): Promise<void> {
    if (abort()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Number.isFinite(ms) ? Math.max(0, ms) : 2 ** 31 - 1);
      this.waiters.add(done);
    });
  }

  async sleep(ms: number, abort: () => boolean): Promise<void> {
    const until = Date.now() + ms;
    while (!abort()) {
      const left = until - Date.now();
      if (left <= 0) return;
      await this.wait(left, abort);
    }
  }
}
