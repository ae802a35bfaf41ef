/** Counts work in flight so callers can wait for quiescence without sleeping. */
export class Inflight {
  private n = 0;
  private waiters: Array<() => void> = [];

  begin(): void {
    this.n++;
  }

  end(): void {
    this.n--;
    if (this.n === 0) {
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    }
  }

  idle(): Promise<void> {
    return this.n === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }
}
