import { z } from 'zod';

/**
 * The model contract: the same feature vector in and the same scores out, whether the
 * models run in-process (`functions/reasoning/models`) or behind a SageMaker endpoint
 * (`InvokeEndpoint`, `application/json`). Units are in the field names; every formula
 * and threshold is documented in `functions/reasoning/README.md`.
 */

/** One minute of telemetry after artefact rejection (see `minuteAggregates`). */
export const MinuteAggregateSchema = z
  .object({
    t: z.number().int().describe('minute start, epoch ms, a multiple of 60 000'),
    n: z.number().int().min(0).describe('valid samples in the minute'),
    dropped: z.number().int().min(0).describe('samples (or their RMSSD) rejected as artefacts'),
    hrMeanBpm: z.number().min(20).max(250).optional(),
    hrvRmssdMs: z.number().min(0).max(300).optional(),
    steps: z.number().min(0),
    cadenceSpm: z.number().min(0).optional(),
    accelG: z.number().min(0).max(16).optional(),
    skinTempC: z.number().min(20).max(45).optional(),
  })
  .strict();
export type MinuteAggregate = z.infer<typeof MinuteAggregateSchema>;

/**
 * The wearer's baselines, from the `daily` table. Every field is optional: what is
 * missing is taken from the population priors (`populationBaseline`), and with fewer
 * than 3 days of history the models report `calibrating: true`.
 */
export const BaselineSchema = z
  .object({
    days: z.number().int().min(0).describe('days of history'),
    restingHrBpm: z.number().min(20).max(150).optional().describe('60-day mean of the daily resting HR'),
    restingHrSdBpm: z.number().min(0).optional(),
    restingHr7dBpm: z.number().min(20).max(150).optional().describe('7-day mean of the daily resting HR'),
    lnRmssdMean60d: z.number().optional().describe('60-day mean of the daily night/rest ln RMSSD (ms)'),
    lnRmssdSd60d: z.number().min(0).optional(),
    lnRmssd7d: z.number().optional().describe('7-day mean of the daily night/rest ln RMSSD (ms)'),
    lnRmssd7dDays: z.number().int().min(0).max(7).optional().describe('valid days behind lnRmssd7d'),
    skinTempC: z.number().min(20).max(45).optional().describe('the wearer’s usual resting skin temperature'),
    sleepMin7d: z.number().min(0).max(1440).optional().describe('7-day mean of nightly sleep, minutes'),
    sleepMinMean60d: z.number().min(0).max(1440).optional(),
    sleepMinSd60d: z.number().min(0).optional(),
    hrMaxBpm: z.number().min(100).max(240).optional(),
  })
  .strict();
export type Baseline = z.infer<typeof BaselineSchema>;

/**
 * The energy state the caller carries from one call to the next (in the `reasoning`
 * shadow). `level` is the exact, fractional spoon count; `spoons` its rounding. Unknown
 * keys are stripped, so a `Prediction.energy` can be handed back as it is.
 */
export const EnergyStateSchema = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  spoons: z.number().min(0).max(12),
  level: z.number().min(0).max(12).optional(),
  updatedAt: z.number().int(),
});
export type EnergyState = z.infer<typeof EnergyStateSchema>;

/** What the models see: the recent window, the baselines and the caller's rolling state. */
export const FeatureVectorSchema = z
  .object({
    now: z.number().int().describe('epoch ms; the models never read a clock'),
    minutes: z.array(MinuteAggregateSchema).max(24 * 60).describe('the last 15–30 minutes, oldest first'),
    baseline: BaselineSchema,
    lastExerciseEndedAt: z.number().int().optional(),
    energy: EnergyStateSchema.optional(),
    utcOffsetMin: z.number().int().min(-840).max(840).optional().describe('the wearer’s offset, for the energy day'),
  })
  .strict();
export type FeatureVector = z.infer<typeof FeatureVectorSchema>;

/** One input's part in a score: its value, the baseline it was compared to, and its signed effect in points. */
export const ContributorSchema = z
  .object({
    name: z.string(),
    value: z.number().nullable(),
    baseline: z.number().nullable(),
    effect: z.number().describe('signed points on the score'),
    unit: z.string().optional(),
  })
  .strict();
export type Contributor = z.infer<typeof ContributorSchema>;

export const ConfidenceSchema = z.enum(['low', 'medium', 'high']);
export type Confidence = z.infer<typeof ConfidenceSchema>;

/** A 0–100 score with its band and why. */
export const ScoreSchema = z
  .object({
    score: z.number().min(0).max(100),
    band: z.enum(['low', 'normal', 'high']),
    contributors: z.array(ContributorSchema),
    confidence: ConfidenceSchema,
    missing: z.array(z.string()),
    calibrating: z.boolean(),
  })
  .strict();
export type Score = z.infer<typeof ScoreSchema>;

export const StressStateSchema = z.enum(['rest', 'exercise', 'stress', 'unknown']);
export type StressState = z.infer<typeof StressStateSchema>;

/** Garmin's stress bands: 0–25 rest, 26–50 low, 51–75 medium, 76–100 high. */
export const StressBandSchema = z.enum(['rest', 'low', 'medium', 'high']);
export type StressBand = z.infer<typeof StressBandSchema>;

export const StressWindowSchema = z
  .object({ from: z.number().int(), to: z.number().int(), state: StressStateSchema, level: z.number().min(0).max(100) })
  .strict();
export type StressWindow = z.infer<typeof StressWindowSchema>;

export const StressResultSchema = z
  .object({
    state: StressStateSchema,
    level: z.number().min(0).max(100),
    band: StressBandSchema,
    windows: z.array(StressWindowSchema),
    contributors: z.array(ContributorSchema),
  })
  .strict();
export type StressResult = z.infer<typeof StressResultSchema>;

export const EnergyResultSchema = z
  .object({
    spoons: z.number().int().min(0).max(12),
    level: z.number().min(0).max(12),
    day: z.string(),
    updatedAt: z.number().int(),
    contributors: z.array(ContributorSchema),
  })
  .strict();
export type EnergyResult = z.infer<typeof EnergyResultSchema>;

/** What `predict` returns (and the SageMaker endpoint answers). */
export const PredictionSchema = z
  .object({
    readiness: ScoreSchema,
    stress: StressResultSchema,
    energy: EnergyResultSchema,
    lastExerciseEndedAt: z.number().int().optional(),
    calibrating: z.boolean(),
    confidence: ConfidenceSchema,
  })
  .strict();
export type Prediction = z.infer<typeof PredictionSchema>;
