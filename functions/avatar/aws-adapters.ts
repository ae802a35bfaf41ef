/**
 * The avatar function's adapters over the real SDK clients, with their exceptions
 * translated: S3 (`HeadObject`, a conditional `PutObject`, a presigned `GetObject` URL)
 * and Bedrock `InvokeModel` (pulsepet's retry policy, functions/shared/converse-call.ts).
 */
import { type BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AvatarVisualInputs } from '../../protocol/avatar';
import { readPng } from '../../protocol/avatar-png';
import { PulsepetError } from '../../protocol/errors';
import { bedrockCallWithRetry, ConverseFailure } from '../shared/converse-call';
import { ImageFailure, type ImageFailureReason, type ImageModel, type ImageStore } from './ports';
import { type ImageOptions, imageRequestBody } from './prompt';

/** Avatars are immutable (content-addressed): caches may keep them for a year. */
export const AVATAR_CACHE_CONTROL = 'public, max-age=31536000, immutable';

type AwsError = { name?: string; $metadata?: { httpStatusCode?: number } };
const statusOf = (e: unknown) => (e as AwsError | undefined)?.$metadata?.httpStatusCode;

function storeError(what: string, e: unknown): PulsepetError {
  return new PulsepetError('PP_ERR_STORE', `${what} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e, retryable: true });
}

/**
 * The bucket through `@aws-sdk/client-s3` (path-style addressing, which AWS and the
 * local stand-in both answer). HeadObject's 404 is "not there" (the role holds
 * s3:ListBucket, without which S3 answers 403 instead); a PutObject with
 * `If-None-Match: *` that finds the key taken (412) is "exists": the first image stays.
 */
export function s3ImageStore(client: S3Client, bucket: string, urlTtlSeconds: number): ImageStore {
  return {
    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (e) {
        if (statusOf(e) === 404 || (e as AwsError).name === 'NotFound') return false;
        throw storeError(`HeadObject ${bucket}/${key}`, e);
      }
    },
    async put(key, png, metadata) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: png, ContentType: 'image/png', CacheControl: AVATAR_CACHE_CONTROL, Metadata: { ...metadata }, IfNoneMatch: '*' }),
        );
        return 'stored';
      } catch (e) {
        if (statusOf(e) === 412 || (e as AwsError).name === 'PreconditionFailed') return 'exists';
        throw storeError(`PutObject ${bucket}/${key}`, e);
      }
    },
    async url(key) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: urlTtlSeconds });
    },
  };
}

/** Bedrock's failure, as the avatar names it: a ValidationException naming the content filters is `content_filtered`. */
function imageFailureOf(f: ConverseFailure): ImageFailure {
  const reason: ImageFailureReason = f.reason === 'validation' && /content filters/i.test(f.message) ? 'content_filtered' : f.reason;
  return new ImageFailure(reason, f.message, f.attempts);
}

/** The first image of an InvokeModel answer body `{images: [base64 PNG], error?}`. */
export function imageOfAnswer(body: Uint8Array, attempts: number): Uint8Array {
  let answer: { images?: unknown; error?: unknown };
  try {
    answer = JSON.parse(new TextDecoder().decode(body)) as typeof answer;
  } catch {
    throw new ImageFailure('malformed', 'the InvokeModel answer is not JSON', attempts);
  }
  if (typeof answer.error === 'string' && answer.error !== '') {
    throw new ImageFailure(/content filters/i.test(answer.error) ? 'content_filtered' : 'malformed', `the model answered: ${answer.error}`, attempts);
  }
  const first = Array.isArray(answer.images) ? answer.images[0] : undefined;
  if (typeof first !== 'string') throw new ImageFailure('malformed', 'the InvokeModel answer has no image', attempts);
  const png = new Uint8Array(Buffer.from(first, 'base64'));
  const read = readPng(png);
  if (!read.ok) throw new ImageFailure('malformed', `the model's image is not a PNG: ${read.reason}`, attempts);
  return png;
}

/**
 * The image model through `@aws-sdk/client-bedrock-runtime` InvokeModel (Nova Canvas's
 * TEXT_IMAGE body, prompt.ts). The client should be built with `maxAttempts: 1`.
 */
export function bedrockImageModel(client: BedrockRuntimeClient, o: ImageOptions & { modelId: string; deadlineMs: number; now?: () => number }): ImageModel {
  const now = o.now ?? Date.now;
  return {
    modelId: o.modelId,
    async generate(inputs: AvatarVisualInputs, hash: string) {
      const body = new TextEncoder().encode(JSON.stringify(imageRequestBody(inputs, hash, o)));
      const input = { modelId: o.modelId, contentType: 'application/json', accept: 'application/json', body };
      try {
        const r = await bedrockCallWithRetry('InvokeModel', (abortSignal) => client.send(new InvokeModelCommand(input), { abortSignal }), { deadline: now() + o.deadlineMs });
        return { png: imageOfAnswer(r.output.body, r.attempts), attempts: r.attempts };
      } catch (e) {
        throw e instanceof ConverseFailure ? imageFailureOf(e) : e;
      }
    },
  };
}
