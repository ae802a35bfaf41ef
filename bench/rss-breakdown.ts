import { readFileSync } from 'node:fs';
import { getHeapStatistics, type HeapInfo } from 'node:v8';

/** Where this process's resident memory is, in bytes (Linux: /proc/self/smaps). */
export interface RssBreakdown {
  /** the main thread's V8 heap: pages it holds, and bytes of live objects after the last GC */
  mainIsolate: { physical: number; used: number };
  /**
   * glibc's main arena (`[heap]`): native allocations made on the main thread, most of
   * them OpenSSL's per-connection state (the broker's mTLS sessions and buffers)
   */
  mallocMainArena: number;
  /**
   * every other anonymous mapping less the main isolate's pages: the worker threads' V8
   * heaps (the Lambda execution environments), DuckDB, other threads' malloc arenas
   */
  otherAnonymous: number;
  /** mapped files: the node binary, native addons, shared libraries */
  fileBacked: number;
}

const MAPPING = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/;

/** The two figures of V8's heap statistics the breakdown takes (`v8.getHeapStatistics()`). */
export type IsolateHeap = Pick<HeapInfo, 'total_physical_size' | 'used_heap_size'>;

/**
 * Splits the process's RSS by the kind of mapping it is in. Read after a full GC for a
 * figure that is live memory rather than V8's lazily returned pages.
 */
export function rssBreakdown(smaps = readFileSync('/proc/self/smaps', 'utf8'), v8: IsolateHeap = getHeapStatistics()): RssBreakdown {
  let name = '';
  let heap = 0;
  let anon = 0;
  let file = 0;
  for (const line of smaps.split('\n')) {
    const m = MAPPING.exec(line);
    if (m) {
      name = m[1] ?? '';
      continue;
    }
    if (!line.startsWith('Rss:')) continue;
    const bytes = Number.parseInt(line.slice(4), 10) * 1024;
    if (name === '[heap]') heap += bytes;
    else if (name.startsWith('/')) file += bytes;
    else anon += bytes;
  }
  return {
    mainIsolate: { physical: v8.total_physical_size, used: v8.used_heap_size },
    mallocMainArena: heap,
    otherAnonymous: Math.max(0, anon - v8.total_physical_size),
    fileBacked: file,
  };
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;

/** The breakdown in MiB (two decimals), flat for a bench's JSON; empty when there is none. */
export function breakdownInMiB(b: RssBreakdown | undefined): Record<string, number> {
  if (!b) return {};
  return {
    mainIsolatePhysical: mib(b.mainIsolate.physical),
    mainIsolateUsed: mib(b.mainIsolate.used),
    mallocMainArena: mib(b.mallocMainArena),
    otherAnonymous: mib(b.otherAnonymous),
    fileBacked: mib(b.fileBacked),
  };
}
