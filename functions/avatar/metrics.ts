import { FUNCTION_NAMES } from '../../protocol/resources';
import { type EmfSink, emitMetrics } from '../shared/emf';
import type { AvatarResult } from './avatar';

/** The EMF metrics of the avatar function (namespace `pulsepet`, dimensions FunctionName + Outcome). */
export const AVATAR_METRICS = { requests: 'AvatarRequests', images: 'ImagesGenerated', duration: 'AvatarMs' } as const;

/**
 * One EMF line per avatar request: `Outcome` generated / cache_hit / fallback / superseded,
 * with the images the model generated (what the request cost) and how long it took.
 * @example emitAvatarMetric(logStreamSink, { thing: 'pet-1', outcome: 'cache_hit', images: 0, shadow: 'written' }, 'amazon.nova-canvas-v1:0', 120);
 */
export function emitAvatarMetric(sink: EmfSink, r: AvatarResult, modelId: string, elapsedMs: number): void {
  emitMetrics(sink, {
    namespace: 'pulsepet',
    dimensions: { FunctionName: FUNCTION_NAMES.avatar, Outcome: r.outcome },
    metrics: {
      [AVATAR_METRICS.requests]: { value: 1, unit: 'Count' },
      [AVATAR_METRICS.images]: { value: r.images, unit: 'Count' },
      [AVATAR_METRICS.duration]: { value: Math.max(0, Math.round(elapsedMs)), unit: 'Milliseconds' },
    },
    properties: {
      thing: r.thing,
      modelId,
      shadow: r.shadow,
      ...(r.hash === undefined ? {} : { hash: r.hash }),
      ...(r.reason === undefined ? {} : { reason: r.reason }),
      ...(r.kept === undefined ? {} : { kept: r.kept }),
    },
  });
}
