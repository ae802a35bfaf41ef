/**
 * A stand-in for EventBridge Scheduler: runs the schedules it is handed (CreateSchedule
 * inputs; pulsepet's come from cloud-rules/schedules.ts through cli/) by queueing an
 * asynchronous invocation of the target function on the local Lambda service, with the
 * target's Input as the event and its context attributes filled in, as Scheduler's
 * templated Lambda target does. Cron expressions are evaluated in UTC; runs missed while
 * the stack was down are not made up (Scheduler does not either).
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
 */
import { randomUUID } from 'node:crypto';
import { type ParsedSchedulePayload, type SchedulePayload, SchedulePayloadSchema } from '../../cloud-rules/schedule-payload';
import { type CronSchedule, nextFireTime, parseCron } from '../../cloud-rules/schedule-expression';
import type { Logger } from '../../common/logger';

/** What the scheduler asks of the Lambda service (LambdaService.invokeAsync's request). */
export interface ScheduledInvokeRequest {
  functionName: string;
  functionArn: string;
  eventJson: string;
  source: string;
  origin: unknown;
}

export interface LocalSchedulerOptions {
  schedules: readonly SchedulePayload[];
  /** queues the invocation (the local Lambda service's invokeAsync) */
  invoke: (req: ScheduledInvokeRequest) => Promise<unknown>;
  region: string;
  logger: Logger;
  now?: () => number;
}

interface Armed {
  schedule: ParsedSchedulePayload;
  cron: CronSchedule;
  nextAt?: number;
  timer?: NodeJS.Timeout;
}

/** setTimeout's longest delay; a later run is re-armed on waking. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Fills Scheduler's context attributes into a target's Input. */
export function fillContextAttributes(input: string, facts: { scheduleArn: string; scheduledTime: number; executionId: string; attempt: number }): string {
  return input
    .replaceAll('<aws.scheduler.schedule-arn>', facts.scheduleArn)
    .replaceAll('<aws.scheduler.scheduled-time>', new Date(facts.scheduledTime).toISOString().replace('.000Z', 'Z'))
    .replaceAll('<aws.scheduler.execution-id>', facts.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(facts.attempt));
}

/** The local EventBridge Scheduler; see the module comment. */
export class LocalScheduler {
  private readonly armed = new Map<string, Armed>();
  private readonly log: Logger;
  private readonly now: () => number;
  private stopped = false;

  /** Validates every schedule (a bad one fails the start, as CreateSchedule would refuse it). */
  constructor(private readonly opts: LocalSchedulerOptions) {
    this.log = opts.logger.child({ component: 'scheduler' });
    this.now = opts.now ?? Date.now;
    for (const raw of opts.schedules) {
      const schedule = SchedulePayloadSchema.parse(raw);
      this.armed.set(schedule.Name, { schedule, cron: parseCron(schedule.ScheduleExpression) });
    }
  }

  /** Arms every enabled schedule for its next run. */
  start(): void {
    for (const a of this.armed.values()) if (a.schedule.State === 'ENABLED') this.arm(a, this.now());
  }

  /** The next run of each armed schedule (epoch ms). */
  nextRuns(): Array<{ name: string; at: number }> {
    return [...this.armed.values()].flatMap((a) => (a.nextAt === undefined ? [] : [{ name: a.schedule.Name, at: a.nextAt }]));
  }

  /**
   * Runs a schedule now as if it fired at `scheduledTime` (the on-time path uses it too);
   * resolves once the invocation is queued.
   */
  async fire(name: string, scheduledTime: number = this.now()): Promise<void> {
    const a = this.armed.get(name);
    if (a === undefined) throw new Error(`no schedule named ${name}`);
    const target = a.schedule.Target;
    const functionName = target.Arn.slice(target.Arn.lastIndexOf(':') + 1);
    const account = target.Arn.split(':')[4] ?? '';
    const executionId = randomUUID();
    const scheduleArn = `arn:aws:scheduler:${this.opts.region}:${account}:schedule/default/${name}`;
    const eventJson = fillContextAttributes(target.Input ?? '{}', { scheduleArn, scheduledTime, executionId, attempt: 1 });
    // The stack's one failure destination is the rules runtime's dead-letter queue: a run
    // that fails every retry is dead-lettered there (Scheduler's DLQ), not reported again.
    const origin = { ruleName: `schedule/${name}`, topic: '', action: { lambda: { functionArn: target.Arn } }, errorAction: true };
    await this.opts.invoke({ functionName, functionArn: target.Arn, eventJson, source: `schedule/${name}`, origin });
    this.log.info({ schedule: name, function: functionName, scheduledTime: new Date(scheduledTime).toISOString(), executionId }, 'schedule fired');
  }

  /** Stops every timer; queued invocations are the Lambda service's. */
  close(): void {
    this.stopped = true;
    for (const a of this.armed.values()) clearTimeout(a.timer);
  }

  private arm(a: Armed, after: number): void {
    if (this.stopped) return;
    const at = nextFireTime(a.cron, after);
    a.nextAt = at;
    if (at === undefined) return;
    const wake = () => {
      if (this.now() < at) {
        a.timer = setTimeout(wake, Math.min(at - this.now(), MAX_TIMER_MS)).unref();
        return;
      }
      this.fire(a.schedule.Name, at)
        .catch((e: unknown) => this.log.error({ err: e, schedule: a.schedule.Name }, 'scheduled invocation could not be queued'))
        .finally(() => this.arm(a, at));
    };
    a.timer = setTimeout(wake, Math.min(Math.max(0, at - this.now()), MAX_TIMER_MS)).unref();
  }
}
