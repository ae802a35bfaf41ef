import { z } from 'zod';
import { AVATARS } from './resources';

/**
 * How the `pet` shadow names the pet's avatar image (protocol/avatar.ts has the rest of
 * the avatar contract; this file imports no schema so protocol/shadows.ts can use it).
 *
 * - `desired.avatar` = `{ key, url, hash }`, written by the avatar function:
 *   `hash` is the content hash of the image's visual inputs (64 hex digits, see
 *   `avatarHash`), `key` the S3 object key `avatars/{hash}.png`, `url` where to GET it
 *   (an S3 presigned GET URL, valid for a limited time; a consumer that finds it expired
 *   keeps what it shows and waits for the next one).
 * - `reported.avatar` = `{ hash }`, written by the device agent: the avatar the watch
 *   shows. A `delta` carries `avatar.hash` only when the watch shows another one.
 */

/** A SHA-256 digest as 64 lower-case hex digits. */
export const AVATAR_HASH_RE = /^[0-9a-f]{64}$/;

/** The S3 key prefix of every avatar image (content-addressed: `avatars/{hash}.png`). */
export const AVATAR_KEY_PREFIX = AVATARS.keyPrefix;

/**
 * Longest URL the shadow takes: a presigned GET signed with temporary credentials carries
 * `X-Amz-Security-Token` (about 1–1.5 KB encoded); the pet document stays under 8 KB.
 */
export const AVATAR_URL_MAX = 3072;

/** The object key of an avatar. @example avatarKey('9f…') // 'avatars/9f….png' */
export function avatarKey(hash: string): string {
  return `${AVATAR_KEY_PREFIX}${hash}.png`;
}

/** `pet` shadow `desired.avatar`: the image the pet should show. */
export const AvatarRefSchema = z
  .object({
    key: z.string().regex(/^avatars\/[0-9a-f]{64}\.png$/, 'not an avatar key (avatars/{64 hex digits}.png)'),
    url: z.string().max(AVATAR_URL_MAX).regex(/^https?:\/\/\S+$/, 'not an http(s) URL'),
    hash: z.string().regex(AVATAR_HASH_RE, 'not a SHA-256 hex digest'),
  })
  .strict()
  .refine((a) => a.key === avatarKey(a.hash), { message: 'key must be avatars/{hash}.png', path: ['key'] });
export type AvatarRef = z.infer<typeof AvatarRefSchema>;

/** `pet` shadow `reported.avatar`: the avatar the watch shows (written by the device agent). */
export const AvatarShownSchema = z.object({ hash: z.string().regex(AVATAR_HASH_RE, 'not a SHA-256 hex digest') }).strict();
export type AvatarShown = z.infer<typeof AvatarShownSchema>;
