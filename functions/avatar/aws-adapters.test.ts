import { describe, expect, it } from 'vitest';
import { presignedExpiry } from './avatar';
import { imageOfAnswer } from './aws-adapters';
import { ImageFailure } from './ports';

const answer = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const failure = (f: () => unknown): ImageFailure => {
  try {
    f();
  } catch (e) {
    if (e instanceof ImageFailure) return e;
  }
  throw new Error('no ImageFailure');
};

describe('Function: imageOfAnswer (the InvokeModel answer body)', () => {
  it('names blocked images content_filtered (final), and an answer without a PNG malformed', () => {
    const blocked = failure(() => imageOfAnswer(answer({ images: [], error: 'All of the generated images have been blocked by our content filters.' }), 1));
    expect(blocked).toMatchObject({ reason: 'content_filtered', retryable: false });
    expect(failure(() => imageOfAnswer(answer({ images: [] }), 1))).toMatchObject({ reason: 'malformed', retryable: false });
    expect(failure(() => imageOfAnswer(answer({ images: [Buffer.from('GIF89a').toString('base64')] }), 2))).toMatchObject({ reason: 'malformed', attempts: 2 });
    expect(failure(() => imageOfAnswer(new TextEncoder().encode('<html>'), 1))).toMatchObject({ reason: 'malformed' });
  });

  it('marks the failures another attempt may cure as retryable', () => {
    expect(new ImageFailure('throttled', 'x', 3).retryable).toBe(true);
    expect(new ImageFailure('model_timeout', 'x', 1).retryable).toBe(true);
    expect(new ImageFailure('content_filtered', 'x', 1).retryable).toBe(false);
  });
});

describe('Function: presignedExpiry', () => {
  it('reads X-Amz-Date + X-Amz-Expires of a presigned URL, and nothing of a plain one', () => {
    expect(presignedExpiry('http://h/b/avatars/a.png?X-Amz-Date=20250106T120000Z&X-Amz-Expires=3600&X-Amz-Signature=x')).toEqual({ at: Date.UTC(2025, 0, 6, 13), ttlMs: 3_600_000 });
    expect(presignedExpiry('https://cdn.example/avatars/a.png')).toBeUndefined();
    expect(presignedExpiry('not a url')).toBeUndefined();
  });
});
