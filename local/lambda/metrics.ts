import type { AsyncQueueStats } from './async-queue';

/** Escapes a Prometheus label value (exposition format 0.0.4). */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/**
 * The asynchronous event queue's figures in Prometheus text exposition format:
 * depth, running attempts and age of the oldest event (overall and per function),
 * bytes on disk and in memory, the counters of refused and failed events, and whether
 * the other functions yield to the ones that come first.
 */
export function lambdaQueueMetrics(s: AsyncQueueStats): string {
  const lines = [
    '# HELP pulsepet_lambda_async_queue_depth Events queued, waiting for a retry or running.',
    '# TYPE pulsepet_lambda_async_queue_depth gauge',
    `pulsepet_lambda_async_queue_depth ${s.depth}`,
    ...Object.entries(s.byFunction).map(([fn, f]) => `pulsepet_lambda_async_queue_depth{function="${label(fn)}"} ${f.depth}`),
    '# HELP pulsepet_lambda_async_queue_running Attempts running now.',
    '# TYPE pulsepet_lambda_async_queue_running gauge',
    `pulsepet_lambda_async_queue_running ${s.running}`,
    ...Object.entries(s.byFunction).map(([fn, f]) => `pulsepet_lambda_async_queue_running{function="${label(fn)}"} ${f.running}`),
    '# HELP pulsepet_lambda_async_queue_oldest_age_seconds Age of the oldest event in the queue.',
    '# TYPE pulsepet_lambda_async_queue_oldest_age_seconds gauge',
    `pulsepet_lambda_async_queue_oldest_age_seconds ${(s.oldestAgeMs / 1000).toFixed(3)}`,
    '# HELP pulsepet_lambda_async_queue_disk_bytes Bytes the queue takes on disk.',
    '# TYPE pulsepet_lambda_async_queue_disk_bytes gauge',
    `pulsepet_lambda_async_queue_disk_bytes ${s.diskBytes}`,
    '# HELP pulsepet_lambda_async_queue_max_bytes Bytes on disk past which new events are refused.',
    '# TYPE pulsepet_lambda_async_queue_max_bytes gauge',
    `pulsepet_lambda_async_queue_max_bytes ${s.maxBytes}`,
    '# HELP pulsepet_lambda_async_queue_memory_bytes Bytes of queued events held in memory.',
    '# TYPE pulsepet_lambda_async_queue_memory_bytes gauge',
    `pulsepet_lambda_async_queue_memory_bytes ${s.memoryBytes}`,
    '# HELP pulsepet_lambda_async_queue_throttled_total Events refused because the queue was full (TooManyRequestsException).',
    '# TYPE pulsepet_lambda_async_queue_throttled_total counter',
    `pulsepet_lambda_async_queue_throttled_total ${s.throttled}`,
    ...Object.entries(s.byFunction).map(([fn, f]) => `pulsepet_lambda_async_queue_throttled_total{function="${label(fn)}"} ${f.throttled}`),
    '# HELP pulsepet_lambda_async_queue_failed_total Events handed to the failure destination.',
    '# TYPE pulsepet_lambda_async_queue_failed_total counter',
    `pulsepet_lambda_async_queue_failed_total ${s.failed}`,
    '# HELP pulsepet_lambda_async_queue_yielding 1 while the other functions yield to the ones that come first (their backlog is deep).',
    '# TYPE pulsepet_lambda_async_queue_yielding gauge',
    `pulsepet_lambda_async_queue_yielding ${s.yielding ? 1 : 0}`,
    '# HELP pulsepet_lambda_async_queue_yield_spells_total Times the other functions started to yield to the ones that come first.',
    '# TYPE pulsepet_lambda_async_queue_yield_spells_total counter',
    `pulsepet_lambda_async_queue_yield_spells_total ${s.yieldSpells}`,
  ];
  return `${lines.join('\n')}\n`;
}
