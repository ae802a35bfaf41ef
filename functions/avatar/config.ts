import { z } from 'zod';
import { AVATAR_DEFAULT_MODEL_ID } from '../../protocol/avatar';
import { PulsepetError } from '../../protocol/errors';
import { AVATARS } from '../../protocol/resources';

/**
 * The avatar function's configuration, parsed once from the Lambda environment.
 * Endpoints and credentials are not here: the SDK reads AWS_ENDPOINT_URL (local mode) or,
 * on AWS, the service defaults and AWS_ENDPOINT_URL_IOT_DATA_PLANE (set by infra).
 */
const EnvSchema = z.object({
  AWS_REGION: z.string().min(1).default('us-east-1'),
  PULSEPET_AVATAR_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not an S3 bucket name')
    .default(AVATARS.bucket),
  /** the image model on Bedrock (InvokeModel with Nova Canvas's TEXT_IMAGE body) */
  PULSEPET_AVATAR_MODEL_ID: z
    .string()
    .regex(/^[\w.:/-]{3,2048}$/, 'not a Bedrock model id or ARN')
    .default(AVATAR_DEFAULT_MODEL_ID),
  /** the image's side in pixels: 320–1024 (Nova Canvas's smallest price tier), a multiple of 16 */
  PULSEPET_AVATAR_SIZE: z.coerce
    .number()
    .int()
    .min(320)
    .max(1024)
    .refine((n) => n % 16 === 0, 'a multiple of 16')
    .default(512),
  PULSEPET_AVATAR_QUALITY: z.enum(['standard', 'premium']).default('standard'),
  /** one generation in all, retries included; below the function's 60 s timeout */
  PULSEPET_AVATAR_DEADLINE_MS: z.coerce.number().int().min(1_000).max(50_000).default(40_000),
  /** how long the presigned GET URL in the shadow is valid (SigV4's maximum is 7 days) */
  PULSEPET_AVATAR_URL_TTL_SECONDS: z.coerce.number().int().min(60).max(604_800).default(604_800),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface AvatarConfig {
  readonly region: string;
  readonly bucket: string;
  readonly modelId: string;
  readonly size: number;
  readonly quality: 'standard' | 'premium';
  readonly deadlineMs: number;
  readonly urlTtlSeconds: number;
  readonly logLevel: string;
}

/** Parses the environment; every problem is reported at once as PP_ERR_CONFIG. */
export function loadAvatarConfig(env: Record<string, string | undefined>): AvatarConfig {
  const r = EnvSchema.safeParse(env);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new PulsepetError('PP_ERR_CONFIG', `invalid avatar configuration: ${problems.join('; ')}`);
  }
  const d = r.data;
  return Object.freeze({
    region: d.AWS_REGION,
    bucket: d.PULSEPET_AVATAR_BUCKET,
    modelId: d.PULSEPET_AVATAR_MODEL_ID,
    size: d.PULSEPET_AVATAR_SIZE,
    quality: d.PULSEPET_AVATAR_QUALITY,
    deadlineMs: d.PULSEPET_AVATAR_DEADLINE_MS,
    urlTtlSeconds: d.PULSEPET_AVATAR_URL_TTL_SECONDS,
    logLevel: d.LOG_LEVEL,
  });
}
