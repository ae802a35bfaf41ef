/**
 * Test support (not product code): a phone app posting samples to the agent's
 * `POST /samples` at a steady pace, remembering which ones the agent accepted (202).
 */
export class SampleWriter {
  readonly accepted: number[] = [];
  readonly refused: number[] = [];
  readonly failed: number[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private next: number;

  constructor(
    private port: number,
    private readonly opts: { perPost?: number; everyMs?: number; t0?: number } = {},
  ) {
    this.next = opts.t0 ?? 1_700_000_000_000;
  }

  /** Points the writer at a restarted agent's new port. */
  retarget(port: number): void {
    this.port = port;
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.postOnce();
        await new Promise((r) => setTimeout(r, this.opts.everyMs ?? 20));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Posts one request of `perPost` samples with increasing `t`; returns the HTTP status (0 = no answer). */
  async postOnce(n = this.opts.perPost ?? 5): Promise<number> {
    const ts = Array.from({ length: n }, () => this.next++);
    const body = ts.map((t, i) => ({ t, hr: 60 + (t % 50), steps: i }));
    try {
      const res = await fetch(`http://127.0.0.1:${this.port}/samples`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      if (res.status === 202) this.accepted.push(...ts);
      else {
        const j = (await res.json()) as { accepted?: number };
        if (res.status === 503 && j.accepted === 0) this.refused.push(...ts);
        else this.failed.push(...ts);
      }
      return res.status;
    } catch {
      this.failed.push(...ts);
      return 0;
    }
  }

  async waitAccepted(n: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.accepted.length < n) {
      if (Date.now() > deadline) throw new Error(`writer: only ${this.accepted.length}/${n} samples accepted`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
