import { z } from 'zod';

/** Max MQTT payload on IoT Core: https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits */
export const MAX_PAYLOAD_BYTES = 128 * 1024;
/** Samples one telemetry v1 batch may carry. */
export const MAX_SAMPLES_PER_BATCH = 600;

/** One watch sample: time, heart rate, and the optional vitals (units in the names). */
export const SampleSchema = z
  .object({
    t: z.number().int().positive().describe('epoch ms'),
    hr: z.number().min(20).max(250),
    hrvRmssd: z.number().min(0).max(300).optional(),
    steps: z.number().int().min(0).optional(),
    spo2: z.number().min(50).max(100).optional(),
    skinTempC: z.number().min(20).max(45).optional(),
    accelG: z.number().min(0).max(16).optional(),
  })
  .strict();
export type Sample = z.infer<typeof SampleSchema>;

/** What the phone saw alongside the samples. */
export const ContextSchema = z
  .object({
    altitudeM: z.number().optional(),
    ambientTempC: z.number().optional(),
    speedKmh: z.number().min(0).optional(),
    weather: z.string().max(64).optional(),
  })
  .strict();
export type TelemetryContext = z.infer<typeof ContextSchema>;

/** The edge summary rules gate cloud work on (see `summarize`). */
export const SummarySchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    n: z.number().int().min(1),
    hrMean: z.number(),
    hrMax: z.number(),
    hrvRmssd: z.number().optional(),
    stepsSum: z.number().int().min(0),
  })
  .strict();
export type Summary = z.infer<typeof SummarySchema>;

/** Telemetry v1 on `dt/pulsepet/{thing}/telemetry`, QoS 1; `summary.n` must equal the sample count. */
export const TelemetryV1Schema = z
  .object({
    v: z.literal(1),
    batchId: z.string().min(1).max(64),
    seq: z.number().int().min(0),
    samples: z.array(SampleSchema).min(1).max(MAX_SAMPLES_PER_BATCH),
    context: ContextSchema.optional(),
    summary: SummarySchema,
    battery: z.number().min(0).max(1).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.summary.n !== b.samples.length) {
      ctx.addIssue({ code: 'custom', path: ['summary', 'n'], message: 'summary.n must equal samples.length' });
    }
  });
export type TelemetryV1 = z.infer<typeof TelemetryV1Schema>;
