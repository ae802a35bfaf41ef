import { z } from 'zod';
import { ERROR_CATALOG, type ErrorCode } from './errors';

/**
 * What a function publishes on `pulsepet/errors` when it refuses an event for good
 * (bad input that no retry can fix): it reports and returns, so Lambda does not retry
 * it, while failures that can pass later (a store outage) still throw and are retried.
 * Rule failures use AWS's error-action message on the same topic; the two are told
 * apart by `functionName` vs `ruleName`.
 */
export const FunctionErrorReportSchema = z
  .object({
    functionName: z.string().min(1),
    /** Lambda's request id of the invocation that refused the event */
    requestId: z.string().optional(),
    code: z.enum(Object.keys(ERROR_CATALOG) as [ErrorCode, ...ErrorCode[]]),
    retryable: z.literal(false),
    message: z.string().max(2048),
    thing: z.string().optional(),
    batchId: z.string().optional(),
    seq: z.number().int().optional(),
    /** each validation problem, `path: reason` (at most 20) */
    problems: z.array(z.string().max(512)).max(20),
    /** the refused event, base64, when it fits the message (IoT Core's 128 KB payload limit) */
    base64Event: z.string().optional(),
    /** the refused event's size in bytes (also when it was too large to include) */
    eventBytes: z.number().int().min(0),
    /** epoch ms */
    at: z.number().int(),
  })
  .strict();
export type FunctionErrorReport = z.infer<typeof FunctionErrorReportSchema>;

/** Events up to this size travel inside the report (base64 grows them by a third; the rest of the report is small). */
export const MAX_REPORTED_EVENT_BYTES = 90 * 1024;
