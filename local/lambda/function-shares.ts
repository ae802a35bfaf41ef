/**
 * The bytes each function's queued events take in the asynchronous queue, against the
 * share one function may hold. Lambda throttles functions one by one; a queue shared by
 * all of them would let one slow function's backlog (the reasoning function under a
 * fleet's cold start) refuse the events of another (ingest, the data of record).
 */
export class FunctionShares {
  private readonly bytes = new Map<string, number>();

  constructor(readonly maxBytes: number) {}

  of(functionName: string): number {
    return this.bytes.get(functionName) ?? 0;
  }

  /** Whether `n` more bytes of this function's events stay within its share. */
  fits(functionName: string, n: number): boolean {
    return this.of(functionName) + n <= this.maxBytes;
  }

  add(functionName: string, n: number): void {
    this.bytes.set(functionName, this.of(functionName) + n);
  }

  remove(functionName: string, n: number): void {
    const left = this.of(functionName) - n;
    if (left > 0) this.bytes.set(functionName, left);
    else this.bytes.delete(functionName);
  }
}
