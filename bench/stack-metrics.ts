import { round } from './broker-support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Figures of the stack's GET /metrics (Prometheus text), read from one answer: for each
 * prefix, the first line starting with it, 0 when there is none. A saturated stack may drop
 * the request (a reset connection): it is asked again after a second, up to `tries` times in all.
 */
export async function metrics(httpEndpoint: string, prefixes: readonly string[], tries = 30): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const lines = (await (await fetch(`${httpEndpoint}/metrics`)).text()).split('\n');
      return prefixes.map((prefix) => Number(lines.find((l) => l.startsWith(prefix))?.split(' ').pop() ?? 0));
    } catch (e) {
      if (attempt >= tries) throw e;
      await sleep(1_000);
    }
  }
}

/** One figure of the stack's GET /metrics (see `metrics`). */
async function metric(httpEndpoint: string, prefix: string, tries = 30): Promise<number> {
  const [value] = await metrics(httpEndpoint, [prefix], tries);
  return value ?? 0;
}

/** The Lambda queue's depth, all functions together: asked once (a progress sample may miss). */
export const queueDepth = (httpEndpoint: string) => metric(httpEndpoint, 'pulsepet_lambda_async_queue_depth ', 1);

/**
 * Waits until the ingest function's queue is empty: every acknowledged batch has been
 * handed to it (or failed for good). Returns the seconds it took.
 */
export async function ingestDrained(httpEndpoint: string): Promise<number> {
  const t = performance.now();
  while ((await metric(httpEndpoint, 'pulsepet_lambda_async_queue_depth{function="pulsepet-ingest"}')) > 0) await sleep(1_000);
  return round((performance.now() - t) / 1000, 1);
}

/** The store's version index at the end of a run (GET /metrics): entries held, trims past its bound, reads back from disk. */
export async function versionIndexFigures(httpEndpoint: string): Promise<{ entries: number; trims: number; reads: number; readEntries: number }> {
  const names = ['entries ', 'trims_total ', 'reads_total ', 'read_entries_total '].map((m) => `pulsepet_timestream_index_${m}`);
  const [entries = 0, trims = 0, reads = 0, readEntries = 0] = await metrics(httpEndpoint, names);
  return { entries, trims, reads, readEntries };
}
