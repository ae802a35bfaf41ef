/**
 * The run's live counters and latencies, fed by the devices as events happen, and the
 * once-a-second progress line (in the spirit of emqtt-bench: totals and rates).
 */
import { LatencyRecorder } from './latency';

/** One progress line's figures. */
export interface ProgressTick {
  elapsedS: number;
  devices: number;
  connected: number;
  connectFailures: number;
  failuresByReason: Record<string, number>;
  /** PUBACKs of telemetry batches in the last second, and since the start */
  pubAckedPerS: number;
  pubAcked: number;
  /** pet shadow deltas received in the last second */
  petDeltasPerS: number;
  reconnects: number;
  /** telemetry batches published and not acknowledged yet */
  inFlight: number;
}

export class FleetStats {
  connected = 0;
  connectFailures = 0;
  readonly failuresByReason = new Map<string, number>();
  reconnects = 0;
  disconnects = 0;
  pubAcked = 0;
  petDeltas = 0;
  inFlight = 0;
  /** shadow documents that broke the protocol's schemas */
  shadowRefused = 0;
  readonly connect = new LatencyRecorder();
  readonly puback = new LatencyRecorder();
  readonly petDelta = new LatencyRecorder();
  /** publish → pet delta for batches after each device's first of the run */
  readonly petDeltaAfterFirst = new LatencyRecorder();
  private last = { t: 0, pubAcked: 0, petDeltas: 0, elapsedS: 0 };

  constructor(
    readonly devices: number,
    private readonly started = performance.now(),
  ) {
    this.last.t = started;
  }

  connectFailed(reason: string): void {
    this.connectFailures++;
    this.failuresByReason.set(reason, (this.failuresByReason.get(reason) ?? 0) + 1);
  }

  /** The figures since the previous tick. */
  tick(now = performance.now()): ProgressTick {
    const dt = Math.max(1e-3, (now - this.last.t) / 1000);
    // a late tick must not repeat the last line's second: each line's second is later
    const elapsedS = Math.max(Math.round((now - this.started) / 1000), this.last.elapsedS + 1);
    const t: ProgressTick = {
      elapsedS,
      devices: this.devices,
      connected: this.connected,
      connectFailures: this.connectFailures,
      failuresByReason: Object.fromEntries(this.failuresByReason),
      pubAckedPerS: Math.round((this.pubAcked - this.last.pubAcked) / dt),
      pubAcked: this.pubAcked,
      petDeltasPerS: Math.round((this.petDeltas - this.last.petDeltas) / dt),
      reconnects: this.reconnects,
      inFlight: this.inFlight,
    };
    this.last = { t: now, pubAcked: this.pubAcked, petDeltas: this.petDeltas, elapsedS };
    return t;
  }
}

/**
 * One human progress line.
 * @example formatTick(t) // "[  12s] connected 20/20  conn_fail 0  pub_ack 4/s  pet_delta 1/s  reconnects 0  in_flight 0"
 */
export function formatTick(t: ProgressTick): string {
  const reasons = Object.entries(t.failuresByReason).map(([r, n]) => `${r}=${n}`);
  return [
    `[${String(t.elapsedS).padStart(5)}s]`,
    `connected ${t.connected}/${t.devices}`,
    `conn_fail ${t.connectFailures}${reasons.length > 0 ? ` (${reasons.join(' ')})` : ''}`,
    `pub_ack ${t.pubAckedPerS}/s`,
    `pet_delta ${t.petDeltasPerS}/s`,
    `reconnects ${t.reconnects}`,
    `in_flight ${t.inFlight}`,
  ].join('  ');
}
