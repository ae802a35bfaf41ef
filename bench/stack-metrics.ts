import { round } from './broker-support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A figure of the stack's GET /metrics (Prometheus text): the first line starting with
 * `prefix`, 0 when there is none. A saturated stack may drop the request (a reset
 * connection): it is asked again after a second, up to `tries` times in all.
 */
export async function metric(httpEndpoint: string, prefix: string, tries = 30): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const text = await (await fetch(`${httpEndpoint}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      return Number(line?.split(' ').pop() ?? 0);
    } catch (e) {
      if (attempt >= tries) throw e;
      await sleep(1_000);
    }
  }
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
  const [entries, trims, reads, readEntries] = await Promise.all(
    ['entries ', 'trims_total ', 'reads_total ', 'read_entries_total '].map((m) => metric(httpEndpoint, `pulsepet_timestream_index_${m}`)),
  );
  return { entries: entries ?? 0, trims: trims ?? 0, reads: reads ?? 0, readEntries: readEntries ?? 0 };
}
