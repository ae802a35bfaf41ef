/**
 * `InvokeModel` (`POST /model/{modelId}/invoke`) for the image models, answered by the
 * local painter (local-painter.ts), with the stand-in's faults:
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
 *
 * - an image model id outside {@link ACCEPTED_IMAGE_MODEL_ID} that is still an Amazon or
 *   Anthropic id → ValidationException (the local stand-in words text only through
 *   Converse); any other id → ResourceNotFoundException (404);
 * - a body that is not a valid TEXT_IMAGE request → ValidationException (400);
 * - faults: `throttle` → ThrottlingException (429), `timeout` → ModelTimeoutException
 *   (408), `filtered` → ValidationException with Nova Canvas's content-filter message,
 *   `blocked` → 200 with `images: []` and Nova Canvas's `error`, as its output filter does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { awsError } from '../gateway/aws-error';
import type { GatewayRequest, GatewayResponse } from '../ports';
import { ACCEPTED_MODEL_ID } from './converse-shapes';
import type { BedrockFaults } from './faults';
import { ACCEPTED_IMAGE_MODEL_ID, CONTENT_FILTER_MESSAGES, type ImageResponse, parseImageRequest } from './image-shapes';
import { paint } from './local-painter';

export interface InvokeOutcome {
  /** the metric label: images, blocked_injected, filtered_injected, throttled, timeout_injected, validation_error, not_found */
  outcome: string;
  images: number;
  response: GatewayResponse;
}

export const THROTTLED = () => awsError(429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
export const MODEL_TIMEOUT = () => awsError(408, 'ModelTimeoutException', 'Model has timed out in processing the request. Try your request again.');

/** Answers one InvokeModel request; `random` draws the faults. */
export async function invokeImageModel(modelId: string, req: GatewayRequest, faults: BedrockFaults | undefined, random: () => number): Promise<InvokeOutcome> {
  const refuse = (outcome: string, response: GatewayResponse): InvokeOutcome => ({ outcome, images: 0, response });
  if (!ACCEPTED_IMAGE_MODEL_ID.test(modelId)) {
    if (ACCEPTED_MODEL_ID.test(modelId)) {
      return refuse('validation_error', awsError(400, 'ValidationException', `The local Bedrock stand-in answers InvokeModel only for image models (Nova Canvas, Titan Image Generator); use Converse for ${modelId}.`));
    }
    return refuse('not_found', awsError(404, 'ResourceNotFoundException', `Model ${modelId} is not served by the local Bedrock stand-in.`));
  }
  const job = parseImageRequest(req.body);
  if (typeof job === 'string') return refuse('validation_error', awsError(400, 'ValidationException', job));
  if (faults && random() < faults.throttle) return refuse('throttled', THROTTLED());
  if (faults && faults.latencyMs > 0) await sleep(faults.latencyMs);
  if (faults && random() < (faults.timeout ?? 0)) return refuse('timeout_injected', MODEL_TIMEOUT());
  if (faults && random() < (faults.filtered ?? 0)) return refuse('filtered_injected', awsError(400, 'ValidationException', CONTENT_FILTER_MESSAGES.input));
  const blocked = faults !== undefined && random() < (faults.blocked ?? 0);
  const body: ImageResponse = blocked ? { images: [], error: CONTENT_FILTER_MESSAGES.allImages } : { images: await paint(job) };
  return {
    outcome: blocked ? 'blocked_injected' : 'images',
    images: body.images.length,
    response: { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) },
  };
}
