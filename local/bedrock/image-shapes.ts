import { z } from 'zod';

/**
 * The InvokeModel body of Amazon Nova Canvas (and Titan Image Generator v2, the same
 * shape) for task TEXT_IMAGE, as the Nova user guide documents it
 * (https://docs.aws.amazon.com/nova/latest/userguide/image-gen-req-resp-structure.html):
 *
 *   { "taskType": "TEXT_IMAGE",
 *     "textToImageParams": { "text": 1–1024 chars, "negativeText"?: 1–1024 chars, "style"? },
 *     "imageGenerationConfig"?: { "width", "height", "quality": "standard" | "premium",
 *                                 "cfgScale", "seed", "numberOfImages" } }
 *
 * and its answer `{ "images": [base64 PNG…], "error"?: string }`, where `error` is set
 * (with status 200) when the generated images were blocked by the content filters.
 * Limits (image-gen-access.html): width and height 320–4096 px and multiples of 16, the
 * aspect ratio between 1:4 and 4:1, at most 4,194,304 pixels; 1–5 images; cfgScale
 * 1.1–10 (default 6.5); seed 0–2,147,483,646 (default 12); quality default standard;
 * width and height default 1024.
 */

/** Image model ids the local stand-in paints for: Nova Canvas and Titan Image Generator. */
export const ACCEPTED_IMAGE_MODEL_ID = /^amazon\.(?:nova-canvas-v1:0|titan-image-generator-v(?:1|2:0))$/;

export const IMAGE_DEFAULTS = { width: 1024, height: 1024, quality: 'standard', cfgScale: 6.5, seed: 12, numberOfImages: 1 } as const;

const side = z
  .number()
  .int()
  .min(320)
  .max(4096)
  .refine((n) => n % 16 === 0, 'must be a multiple of 16');

const ImageGenerationConfig = z
  .object({
    width: side.optional(),
    height: side.optional(),
    quality: z.enum(['standard', 'premium']).optional(),
    cfgScale: z.number().min(1.1).max(10).optional(),
    seed: z.number().int().min(0).max(2_147_483_646).optional(),
    numberOfImages: z.number().int().min(1).max(5).optional(),
  })
  .strict();

const TextToImageParams = z
  .object({
    text: z.string().min(1).max(1024),
    negativeText: z.string().min(1).max(1024).optional(),
    style: z.string().min(1).max(64).optional(),
  })
  .strict();

export const TextImageRequest = z
  .object({
    taskType: z.literal('TEXT_IMAGE'),
    textToImageParams: TextToImageParams,
    imageGenerationConfig: ImageGenerationConfig.optional(),
  })
  .strict();
export type TextImageRequest = z.infer<typeof TextImageRequest>;

/** The request with its defaults applied. */
export interface ImageJob {
  text: string;
  negativeText?: string;
  width: number;
  height: number;
  quality: 'standard' | 'premium';
  cfgScale: number;
  seed: number;
  numberOfImages: number;
}

/** The answer body. */
export interface ImageResponse {
  images: string[];
  error?: string;
}

/** The job of a request body, or a ValidationException message in Bedrock's wording. */
export function parseImageRequest(body: Buffer): ImageJob | string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'Malformed input request: the body is not valid JSON, please reformat your input and try again.';
  }
  const task = (json as { taskType?: unknown } | null)?.taskType;
  if (typeof task === 'string' && task !== 'TEXT_IMAGE') return `Malformed input request: taskType ${task} is not served by the local Bedrock stand-in (TEXT_IMAGE only).`;
  const r = TextImageRequest.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return `Malformed input request: #/${issue?.path.join('/') ?? ''}: ${issue?.message ?? 'invalid'}, please reformat your input and try again.`;
  }
  const c = r.data.imageGenerationConfig ?? {};
  const width = c.width ?? IMAGE_DEFAULTS.width;
  const height = c.height ?? IMAGE_DEFAULTS.height;
  if (Math.max(width, height) > 4 * Math.min(width, height)) return 'Malformed input request: the aspect ratio must be between 1:4 and 4:1.';
  if (width * height > 4_194_304) return 'Malformed input request: width × height must be at most 4,194,304 pixels.';
  return {
    text: r.data.textToImageParams.text,
    ...(r.data.textToImageParams.negativeText ? { negativeText: r.data.textToImageParams.negativeText } : {}),
    width,
    height,
    quality: c.quality ?? IMAGE_DEFAULTS.quality,
    cfgScale: c.cfgScale ?? IMAGE_DEFAULTS.cfgScale,
    seed: c.seed ?? IMAGE_DEFAULTS.seed,
    numberOfImages: c.numberOfImages ?? IMAGE_DEFAULTS.numberOfImages,
  };
}

/** Nova Canvas's answers when its content filters block a request or its images (image-troubleshooting.html). */
export const CONTENT_FILTER_MESSAGES = {
  input: 'This request has been blocked by our content filters. Please adjust your text prompt to submit a new request.',
  allImages: 'All of the generated images have been blocked by our content filters.',
} as const;
