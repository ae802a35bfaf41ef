import { describe, expect, it } from 'vitest';
import { FleetStats, formatTick } from './stats';

describe('Class: FleetStats', () => {
  it('gives each progress line a later second than the last, also when a tick comes late and the next one early', () => {
    const stats = new FleetStats(2, 0);
    // ticks a little early, then late after a stall, then early again: rounding alone gives 1, 3, 3, 4
    const seconds = [990, 2_510, 3_490, 4_020].map((t) => stats.tick(t).elapsedS);
    expect(seconds).toEqual([1, 3, 4, 5]);
  });

  it('reports the rates since the previous tick and the totals', () => {
    const stats = new FleetStats(3, 0);
    stats.connected = 3;
    stats.pubAcked = 6;
    stats.petDeltas = 2;
    stats.connectFailed('econnrefused');
    const first = stats.tick(2_000);
    expect(first).toMatchObject({ elapsedS: 2, connected: 3, pubAckedPerS: 3, petDeltasPerS: 1, pubAcked: 6, connectFailures: 1, failuresByReason: { econnrefused: 1 } });
    stats.pubAcked = 10;
    expect(stats.tick(3_000)).toMatchObject({ elapsedS: 3, pubAckedPerS: 4, petDeltasPerS: 0, pubAcked: 10 });
    expect(formatTick(first)).toBe('[    2s]  connected 3/3  conn_fail 1 (econnrefused=1)  pub_ack 3/s  pet_delta 1/s  reconnects 0  in_flight 0');
  });
});
