/**
 * The paced request → answer loop shared by the shadow load generator
 * (bench/shadow-load.ts) and the broker reference bench (bench/echo-reference.ts):
 * each device sends, waits for its answer, and sends again one period after the
 * previous send.
 */
import { performance } from 'node:perf_hooks';
import { latencySummary } from './latency';

/** What the loop needs of a device's MQTT connection, whichever client it is. */
export interface RoundTripDevice {
  /** the thing name (client id) */
  name: string;
  publish(topic: string, payload: string, qos: 0 | 1): Promise<void>;
  /** replaces the device's message handler */
  onMessage(handler: (topic: string, payload: Buffer) => void): void;
}

/**
 * What a run sends and what answers it, e.g. a shadow update answered by its
 * delta, or a publish on a topic the device itself subscribes to, answered by the
 * broker delivering it back. Answers carry the request's `clientToken`.
 */
export interface RoundTrip {
  topic(thing: string): string;
  body(seq: number, token: string): string;
  /** the answer topic that counts as accepted; any other answer is a rejection */
  acceptedSuffix: string;
}

/** One run's figures. */
export interface RoundTripRun {
  perSec: number;
  accepted: number;
  /** rejections by their `code` */
  rejected: Record<string, number>;
  /** requests given up on after 5 s without an answer (a late answer is then ignored) */
  unanswered: number;
  latency: ReturnType<typeof latencySummary>;
  /** answers to requests sent in the first `warmupMs`: counted in the rate, not in the latency */
  warmup?: { ms: number; answers: number };
}

/** Paces each device to one request per `gapMs` for `seconds`. */
export async function runRoundTrips(
  devices: RoundTripDevice[],
  opts: { seconds: number; gapMs: number; trip: RoundTrip; warmupMs?: number },
): Promise<RoundTripRun> {
  const { trip, gapMs } = opts;
  const warmupMs = opts.warmupMs ?? 0;
  const lat: number[] = [];
  let warmupAnswers = 0;
  const rejected: Record<string, number> = {};
  let accepted = 0;
  let unanswered = 0;
  const started = performance.now();
  const end = started + opts.seconds * 1000;
  const measureFrom = started + warmupMs;
  await Promise.all(
    devices.map(async (c) => {
      const target = trip.topic(c.name);
      // one request in flight per device: its token and send time
      let pendingToken: string | undefined;
      let sentAt = 0;
      let answer: (() => void) | undefined;
      c.onMessage((topic, buf) => {
        const body = JSON.parse(buf.toString('utf8')) as { clientToken?: string; code?: number };
        if (pendingToken === undefined || body.clientToken !== pendingToken) return;
        pendingToken = undefined;
        if (topic.endsWith(trip.acceptedSuffix)) {
          accepted++;
          if (sentAt >= measureFrom) lat.push(performance.now() - sentAt);
          else warmupAnswers++;
        } else {
          rejected[String(body.code)] = (rejected[String(body.code)] ?? 0) + 1;
        }
        answer?.();
      });
      // Independent devices are not in lockstep: spread the first request over one period.
      await new Promise((r) => setTimeout(r, Math.random() * gapMs));
      let seq = 0;
      while (performance.now() < end) {
        const t = performance.now();
        const token = `${c.name}-${seq}`;
        pendingToken = token;
        sentAt = t;
        // answered, or given up after 5 s; the timer is cleared on the answer so
        // thousands of pending 5 s timers do not pile up in the load generator's
        // heap (and its GC pauses into the figures)
        let giveUp: NodeJS.Timeout | undefined;
        const answered = new Promise<void>((r) => {
          answer = r;
          giveUp = setTimeout(() => {
            unanswered++;
            pendingToken = undefined;
            r();
          }, 5000);
        });
        void c.publish(target, trip.body(seq++, token), 0);
        await answered;
        clearTimeout(giveUp);
        const gap = gapMs - (performance.now() - t);
        if (gap > 0) await new Promise((r) => setTimeout(r, gap));
      }
    }),
  );
  const secs = (performance.now() - started) / 1000;
  const run: RoundTripRun = { perSec: Math.round(accepted / secs), accepted, rejected, unanswered, latency: latencySummary(lat) };
  if (warmupMs > 0) run.warmup = { ms: warmupMs, answers: warmupAnswers };
  return run;
}
