/**
 * V8 garbage-collector tuning for the local IoT Core server process on small hosts.
 *
 * V8 scavenges the young generation with helper threads in parallel by default.
 * On a host with two or fewer CPUs those helpers compete with the event loop, the
 * libuv thread pool and whatever else runs (device simulators, a load generator),
 * and a scavenge ends only when its slowest helper does: a helper that is
 * descheduled stretches a 2 ms pause to 20 ms and more. Scavenging on the main
 * thread alone keeps each pause as long as its own work. Measured with
 * `npx tsx bench/shadow-throughput.ts --latency-rate 5` on 2 cores (see the issue
 * notes): saturated shadow updates/s rose from 8-9.4k to 11-12k, and the server's
 * CPU per paced update fell by about a fifth.
 *
 * The flag is read at every scavenge, so setting it after start-up takes effect
 * at once; it applies to the whole process.
 *
 * @example
 * const applied = tuneGcForHost(); // { parallelScavenge: false, cpus: 2 } on a 2-CPU host
 */
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/** Hosts with at most this many CPUs scavenge on the main thread only. */
export const SMALL_HOST_MAX_CPUS = 2;

export interface GcTuning {
  /** CPUs this process may use */
  cpus: number;
  /** false when V8's parallel scavenging was turned off */
  parallelScavenge: boolean;
}

/**
 * Turns V8's parallel young-generation scavenging off on hosts with at most
 * {@link SMALL_HOST_MAX_CPUS} CPUs; on larger hosts changes nothing. Idempotent.
 */
export function tuneGcForHost(
  host: { cpus?: number; setFlags?: (flags: string) => void } = {},
): GcTuning {
  const cpus = host.cpus ?? availableParallelism();
  if (cpus > SMALL_HOST_MAX_CPUS) return { cpus, parallelScavenge: true };
  (host.setFlags ?? setFlagsFromString)('--no-parallel-scavenge');
  return { cpus, parallelScavenge: false };
}
