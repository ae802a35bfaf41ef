import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of each thread of this process so far, in µs by thread id (utime + stime from
 * /proc/self/task/TID/stat, in clock ticks of 10 ms); a thread that ends while it is read
 * is left out. The main thread's id is `process.pid`.
 */
export function threadCpuMicros(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(Number(tid), (Number(f[11]) + Number(f[12])) * 10_000);
  }
  return out;
}

/** This process's CPU so far in µs: its main thread, and every other thread together. */
export function mainAndOtherCpuMicros(): { main: number; other: number } {
  const out = { main: 0, other: 0 };
  for (const [tid, micros] of threadCpuMicros()) {
    if (tid === process.pid) out.main += micros;
    else out.other += micros;
  }
  return out;
}

/**
 * Another process's RSS (bytes, VmRSS of /proc/PID/status) and CPU so far (µs, utime +
 * stime of /proc/PID/stat); undefined once it has ended.
 */
export function processRssAndCpu(pid: number): { rss: number; cpuMicros: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const kib = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { rss: kib * 1024, cpuMicros: (Number(f[11]) + Number(f[12])) * 10_000 };
  } catch {
    return undefined;
  }
}
