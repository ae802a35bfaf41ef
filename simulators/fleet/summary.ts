/**
 * The one JSON summary a run ends with: every figure computed from events the run saw
 * (connects, PUBACKs, pet deltas, the ledger of batches) and, when a store check ran,
 * from what the store holds.
 */
import type { ScenarioClock } from './clock';
import type { LatencySummary } from './latency';
import type { BatchLedger } from './ledger';
import type { FleetStats } from './stats';
import type { LostBatch, StoreReport } from './store-check';

export interface FleetSummary {
  devices: number;
  speedup: number;
  /** wall seconds the run took (connects to the last PUBACK) */
  wallS: number;
  /** the scenario time the samples span (ISO) */
  scenarioTime: { from: string; to: string };
  connect: {
    /** seconds until every device was connected at once, null if that never happened */
    allConnectedAfterS: number | null;
    peakConnected: number;
    failures: number;
    failuresByReason: Record<string, number>;
    reconnects: number;
    disconnects: number;
  };
  latencyMs: {
    connect: LatencySummary;
    publishToPuback: LatencySummary;
    /** from a batch's publish to the next `pet` update/delta of its thing (see SimDevice.onPetDelta) */
    publishToPetDelta: LatencySummary;
    /** the same without each device's first batch of the run (on a fresh stack it creates the reasoning state and the pet) */
    publishToPetDeltaAfterFirst: LatencySummary;
  };
  samples: { sent: number; acked: number; stored: number | null };
  batches: {
    sent: number;
    acked: number;
    /** published and never acknowledged (in flight at the end, or given up) */
    unacked: number;
    /** made while the device was offline and never published before the run ended */
    neverPublished: number;
    /** published more than once (after a reconnect) */
    resent: number;
    /** acknowledged after more than one publish: the broker may have taken them twice (the cloud de-duplicates on (thing, batchId)) */
    duplicates: number;
    /** more than one PUBACK for one batch (should be 0) */
    duplicateAcks: number;
    /** acknowledged but not (wholly) in the store; null without a store check */
    lost: number | null;
  };
  losses: LostBatch[];
  petDeltas: number;
  shadowRefused: number;
  store: (Omit<StoreReport, 'lost' | 'lostBatches' | 'lostSamples' | 'storedSamples'> & { checked: true }) | { checked: false; reason: string };
}

export function buildSummary(
  stats: FleetStats,
  ledger: BatchLedger,
  clock: ScenarioClock,
  run: { wallMs: number; allConnectedAfterMs: number | null; peakConnected: number; lastScenarioMs: number },
  store: StoreReport | { skipped: string },
): FleetSummary {
  const t = ledger.totals();
  const checked = !('skipped' in store);
  return {
    devices: stats.devices,
    speedup: clock.speedup,
    wallS: Math.round(run.wallMs / 100) / 10,
    scenarioTime: { from: new Date(clock.scenarioStart).toISOString(), to: new Date(run.lastScenarioMs).toISOString() },
    connect: {
      allConnectedAfterS: run.allConnectedAfterMs === null ? null : Math.round(run.allConnectedAfterMs / 100) / 10,
      peakConnected: run.peakConnected,
      failures: stats.connectFailures,
      failuresByReason: Object.fromEntries(stats.failuresByReason),
      reconnects: stats.reconnects,
      disconnects: stats.disconnects,
    },
    latencyMs: { connect: stats.connect.summary(), publishToPuback: stats.puback.summary(), publishToPetDelta: stats.petDelta.summary(), publishToPetDeltaAfterFirst: stats.petDeltaAfterFirst.summary() },
    samples: { sent: t.samplesSent, acked: t.samplesAcked, stored: checked ? store.storedSamples : null },
    batches: {
      sent: t.batches,
      acked: t.acked,
      unacked: t.unacked,
      neverPublished: t.neverPublished,
      resent: t.resent,
      duplicates: t.duplicates,
      duplicateAcks: t.duplicateAcks,
      lost: checked ? store.lostBatches : null,
    },
    losses: checked ? store.lost : [],
    petDeltas: stats.petDeltas,
    shadowRefused: stats.shadowRefused,
    store: checked
      ? { checked: true, extraRows: store.extraRows, settledAfterMs: store.settledAfterMs, queries: store.queries }
      : { checked: false, reason: store.skipped },
  };
}
