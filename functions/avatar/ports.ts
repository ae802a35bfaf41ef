import type { AvatarVisualInputs } from '../../protocol/avatar';

/** Where avatar images live: an S3 bucket (client-s3 in both modes), by key `avatars/{hash}.png`. */
export interface ImageStore {
  /** true when the object exists (HeadObject) */
  exists(key: string): Promise<boolean>;
  /** stores a PNG once (a conditional PutObject): 'exists' when another writer was first */
  put(key: string, png: Uint8Array, metadata: Readonly<Record<string, string>>): Promise<'stored' | 'exists'>;
  /** a URL the watch and the display can GET the object from */
  url(key: string): Promise<string>;
}

/** Why no image came back: a metric property and a log field. */
export type ImageFailureReason =
  | 'throttled'
  | 'unavailable'
  | 'model_timeout'
  | 'network'
  | 'deadline'
  | 'service_error'
  | 'access_denied'
  | 'not_found'
  | 'validation'
  /** the model's content filters blocked the prompt (ValidationException) or the images (`error`) */
  | 'content_filtered'
  /** the answer had no usable PNG */
  | 'malformed';

/** Failures another attempt may cure (Lambda's asynchronous retries get them). */
export const RETRYABLE_IMAGE_FAILURES: ReadonlySet<ImageFailureReason> = new Set(['throttled', 'unavailable', 'model_timeout', 'network', 'deadline', 'service_error']);

export class ImageFailure extends Error {
  readonly retryable: boolean;
  constructor(
    readonly reason: ImageFailureReason,
    message: string,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'ImageFailure';
    this.retryable = RETRYABLE_IMAGE_FAILURES.has(reason);
  }
}

/** The image model (Bedrock InvokeModel in both modes). */
export interface ImageModel {
  readonly modelId: string;
  /** one PNG for the inputs named `hash`; throws {@link ImageFailure} */
  generate(inputs: AvatarVisualInputs, hash: string): Promise<{ png: Uint8Array; attempts: number }>;
}
