/**
 * Permanent failures vs retryable ones, kept apart as Powertools' batch utilities do:
 * an event that can never succeed (bad input) is reported on the error channel
 * (`pulsepet/errors`, published with the real `client-iot-data-plane`) and the
 * invocation returns, so Lambda does not retry it; a failure that can pass on a later
 * attempt (a store outage) is thrown, so Lambda's async retries and the dead-letter
 * queue keep the event.
 */
import { type IoTDataPlaneClient, PublishCommand } from '@aws-sdk/client-iot-data-plane';
import type { Logger } from '../../common/logger';
import { type FunctionErrorReport, MAX_REPORTED_EVENT_BYTES } from '../../protocol/error-report';
import { PulsepetError } from '../../protocol/errors';
import { TOPICS } from '../../protocol/topics';

/** Publishes a report on the error channel; rejects when it could not be delivered. */
export type ErrorReporter = (report: FunctionErrorReport) => Promise<void>;

/** A reporter over the real IoT data plane client (QoS 1 publish to `pulsepet/errors`). */
export function iotErrorReporter(client: IoTDataPlaneClient): ErrorReporter {
  return async (report) => {
    await client.send(new PublishCommand({ topic: TOPICS.errors.pattern, qos: 1, payload: Buffer.from(JSON.stringify(report)), contentType: 'application/json' }));
  };
}

/** What an invocation answers for an event it refused for good. */
export interface Refused {
  refused: true;
  code: FunctionErrorReport['code'];
  message: string;
}

export interface ErrorChannelContext {
  functionName: string;
  requestId?: string;
  event: unknown;
  report: ErrorReporter;
  logger: Logger;
  now?: () => number;
}

/** The report for a refused event: its identity, the problems, and the event itself when it fits. */
export function buildErrorReport(err: PulsepetError, ctx: Omit<ErrorChannelContext, 'report' | 'logger'>): FunctionErrorReport {
  const text = JSON.stringify(ctx.event) ?? 'null';
  const bytes = Buffer.byteLength(text);
  const ev = typeof ctx.event === 'object' && ctx.event !== null ? (ctx.event as Record<string, unknown>) : {};
  const problems = Array.isArray(err.details?.problems) ? (err.details.problems as unknown[]).map(String) : [err.message];
  return {
    functionName: ctx.functionName,
    ...(ctx.requestId === undefined ? {} : { requestId: ctx.requestId }),
    code: err.code,
    retryable: false,
    message: err.message.slice(0, 2048),
    ...(typeof ev.thing === 'string' ? { thing: ev.thing.slice(0, 128) } : {}),
    ...(typeof ev.batchId === 'string' ? { batchId: ev.batchId.slice(0, 64) } : {}),
    ...(Number.isSafeInteger(ev.seq) ? { seq: ev.seq as number } : {}),
    problems: problems.slice(0, 20).map((p) => p.slice(0, 512)),
    ...(bytes <= MAX_REPORTED_EVENT_BYTES ? { base64Event: Buffer.from(text).toString('base64') } : {}),
    eventBytes: bytes,
    at: (ctx.now ?? Date.now)(),
  };
}

/**
 * Runs one invocation: a non-retryable PulsepetError is reported on the error channel
 * and answered with {@link Refused}; anything else is thrown for Lambda to retry. If the
 * report itself cannot be published, a retryable PP_ERR_TRANSPORT is thrown, so the
 * event is retried rather than lost silently.
 *
 * @example return await settlePermanentFailures(() => ingest(event, deps), { functionName, event, report, logger });
 */
export async function settlePermanentFailures<T>(run: () => Promise<T>, ctx: ErrorChannelContext): Promise<T | Refused> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof PulsepetError) || e.retryable) throw e;
    const report = buildErrorReport(e, ctx);
    try {
      await ctx.report(report);
    } catch (pubErr) {
      throw new PulsepetError('PP_ERR_TRANSPORT', `could not report a refused event on ${TOPICS.errors.pattern}: ${String(pubErr)}`, { cause: pubErr, retryable: true });
    }
    ctx.logger.warn({ code: e.code, thing: report.thing, batchId: report.batchId, problems: report.problems.length }, 'event refused for good; reported on the error channel');
    return { refused: true, code: e.code, message: e.message };
  }
}
