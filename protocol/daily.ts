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
