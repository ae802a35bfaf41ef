import { z } from 'zod';

/**
 * One wearer's day, as the daily summary computes it and stores it in Timestream table
 * `daily` (dimension `thing`, one multi-measure record `day` per thing and date, time =
 * the day's start, UTC). The reasoning function reads the last 60 of them as the
 * wearer's baseline.
 */
export const DailyMetricsSchema = z
  .object({
    /** YYYY-MM-DD, UTC */
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** lowest rolling 30-minute mean heart rate at rest */
    restingHrBpm: z.number().min(20).max(250).optional(),
    /** mean ln(RMSSD) over night/rest minutes */
    lnRmssdRest: z.number().min(0).max(8).optional(),
    steps: z.number().int().min(0),
    activeMin: z.number().int().min(0).max(1440),
    stressMin: z.number().int().min(0).max(1440),
    sleepMin: z.number().int().min(0).max(1440).optional(),
    skinTempC: z.number().min(20).max(45).optional(),
    samples: z.number().int().min(0),
  })
  .strict();
export type DailyMetrics = z.infer<typeof DailyMetricsSchema>;

/** The multi-measure record name and the measures of a day in table `daily`. */
export const DAILY_RECORD = 'day';
export const DAILY_MEASURES = ['restingHrBpm', 'lnRmssdRest', 'steps', 'activeMin', 'stressMin', 'sleepMin', 'skinTempC', 'samples'] as const;

/** The daily metrics judged against the wearer's own history (`samples` is bookkeeping, not a metric). */
export const ANOMALY_METRICS = ['restingHrBpm', 'lnRmssdRest', 'steps', 'activeMin', 'stressMin', 'sleepMin', 'skinTempC'] as const;
export type AnomalyMetric = (typeof ANOMALY_METRICS)[number];

/** The baselines a day is compared with: its own 30 and 60 days before it. */
export const ANOMALY_WINDOWS_DAYS = [30, 60] as const;
export type AnomalyWindowDays = (typeof ANOMALY_WINDOWS_DAYS)[number];

/** |z| at or above this flags an anomaly (about the outer 5 % of a normal spread). */
export const ANOMALY_Z_THRESHOLD = 2;

/** The measure of table `daily` holding a metric's z-score against one window, e.g. `restingHrBpm_z30`. */
export function zMeasureName(metric: AnomalyMetric, windowDays: AnomalyWindowDays): string {
  return `${metric}_z${windowDays}`;
}

/** One flagged metric: its value, the window's mean and spread, the z-score and its direction. */
export const DailyAnomalySchema = z
  .object({
    metric: z.enum(ANOMALY_METRICS),
    windowDays: z.union([z.literal(30), z.literal(60)]),
    value: z.number(),
    mean: z.number(),
    sd: z.number().min(0),
    z: z.number(),
    direction: z.enum(['high', 'low']),
  })
  .strict();
export type DailyAnomaly = z.infer<typeof DailyAnomalySchema>;

/** The longest daily explanation, in characters (the contract; a watch-sized card). */
export const EXPLANATION_MAX_CHARS = 600;
/**
 * Its longest UTF-8 form: Timestream limits a whole record to 2 KB (ts-limits, "Maximum
 * record size"), and the day's other measures take about 700 bytes at most.
 */
export const EXPLANATION_MAX_BYTES = 1200;
/** Who worded the explanation: the LLM (Bedrock Converse) or the deterministic template. */
export const EXPLANATION_SOURCES = ['llm', 'deterministic'] as const;
export type ExplanationSource = (typeof EXPLANATION_SOURCES)[number];

const utf8 = new TextEncoder();

/** The day's explanation in words, as stored with the day and shown in the `daily` shadow. */
export const DailyExplanationSchema = z
  .object({
    text: z
      .string()
      .min(1)
      .max(EXPLANATION_MAX_CHARS)
      .refine((t) => utf8.encode(t).length <= EXPLANATION_MAX_BYTES, `at most ${EXPLANATION_MAX_BYTES} bytes of UTF-8`),
    source: z.enum(EXPLANATION_SOURCES),
  })
  .strict();
export type DailyExplanation = z.infer<typeof DailyExplanationSchema>;

/** The VARCHAR measures of record `day` holding the explanation and its source. */
export const EXPLANATION_MEASURES = { text: 'explanation', source: 'explanationSource' } as const;

/**
 * What the `daily` named shadow's `reported` holds: the latest summarized day, its
 * flagged anomalies (value, window mean and z rounded for display) and its explanation
 * (`explanation`, `explanationSource`; absent on days summarized before explanations
 * existed). Metrics the day has no value for are absent. Far under the 8 KB shadow
 * limit: at most 14 anomalies and 1,200 bytes of explanation.
 */
export const DailyShadowStateSchema = DailyMetricsSchema.extend({
  anomalies: z
    .array(DailyAnomalySchema.pick({ metric: true, windowDays: true, value: true, mean: true, z: true, direction: true }).strict())
    .max(ANOMALY_METRICS.length * ANOMALY_WINDOWS_DAYS.length),
  explanation: DailyExplanationSchema.shape.text.optional(),
  explanationSource: DailyExplanationSchema.shape.source.optional(),
  updatedAt: z.number().int(),
}).strict();
export type DailyShadowState = z.infer<typeof DailyShadowStateSchema>;

/**
 * Retention of table `daily` (infra creates it with these; the daily summary creates it
 * when missing): yesterday's record, time-stamped at the day's start, is 24–48 h old when
 * written, so the memory store keeps 72 h, and magnetic writes take older days (a
 * `pulsepet summarize --date` of last month).
 * https://docs.aws.amazon.com/timestream/latest/developerguide/storage.html
 */
export const DAILY_TABLE_RETENTION = { MemoryStoreRetentionPeriodInHours: 72, MagneticStoreRetentionPeriodInDays: 3650 } as const;
