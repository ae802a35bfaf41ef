/**
 * Test support (not product code): avatar images in the local S3 without the generation
 * path — a marked PNG put with the real `@aws-sdk/client-s3` (path-style, as the avatar
 * function stores them) and presigned GET URLs from `@aws-sdk/s3-request-presigner`.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { renderAvatarPng } from '../../../common/avatar-render';
import { AVATAR_DEFAULT_MODEL_ID, type AvatarRef, avatarHash, avatarKey } from '../../../protocol/avatar';
import { AVATAR_HASH_TEXT_KEY } from '../../../protocol/avatar-png';
import type { Mood } from '../../../protocol/shadows';
import { AVATARS } from '../../../protocol/resources';

export interface TestAvatar {
  hash: string;
  key: string;
  png: Uint8Array;
}

/**
 * An avatar as the avatar function makes one: the hash of its visual inputs, the picture
 * drawn for them and marked with that hash. `size` (pixels) makes bigger files.
 */
export function makeAvatar(mood: Mood, scene: 'home' | 'rain' | 'mountain' = 'home', size = 384): TestAvatar {
  const hash = avatarHash({ mood, energyBand: 'steady', scene, persona: 'encouraging', modelId: AVATAR_DEFAULT_MODEL_ID, promptVersion: 1 });
  const png = renderAvatarPng({ mood, scene, energyBand: 'steady', persona: 'encouraging', local: true }, size, { [AVATAR_HASH_TEXT_KEY]: hash });
  return { hash, key: avatarKey(hash), png };
}

/**
 * A real S3 client for the gateway at `endpoint` (path-style, as local S3 needs), with
 * the SDK's retries: the tests only put and presign, and a put is safe to repeat.
 */
export function s3Client(cfg: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } }): S3Client {
  return new S3Client({ endpoint: cfg.endpoint, region: cfg.region, credentials: cfg.credentials, forcePathStyle: true });
}

/** PutObject of `body` at `key` of the avatar bucket as `image/png` with long-lived cache headers. */
export async function putAvatar(s3: S3Client, key: string, body: Uint8Array, contentType = 'image/png'): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: AVATARS.bucket, Key: key, Body: body, ContentType: contentType, CacheControl: 'public, max-age=31536000, immutable' }));
}

/** A presigned GET URL of `key`; `signedAgoS` in the past with a short `expiresInS` gives an already expired one. */
export async function presignAvatar(s3: S3Client, key: string, opts: { expiresInS?: number; signedAgoS?: number } = {}): Promise<string> {
  const signingDate = new Date(Date.now() - (opts.signedAgoS ?? 0) * 1000);
  return getSignedUrl(s3, new GetObjectCommand({ Bucket: AVATARS.bucket, Key: key }), { expiresIn: opts.expiresInS ?? 3600, signingDate });
}

/** The `desired.avatar` of the pet shadow for an avatar and a URL. */
export function avatarRef(a: Pick<TestAvatar, 'hash' | 'key'>, url: string): AvatarRef {
  return { key: a.key, url, hash: a.hash };
}
