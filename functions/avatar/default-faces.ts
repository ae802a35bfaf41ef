import type { Mood } from '../../protocol/shadows';
import { DEFAULT_FACES_BASE64 } from './default-faces.generated';

/** A mood's bundled default face as PNG bytes (marked with its hash; protocol/avatar.ts defaultFace). */
export function bundledDefaultFace(mood: Mood): Uint8Array {
  return new Uint8Array(Buffer.from(DEFAULT_FACES_BASE64[mood], 'base64'));
}
