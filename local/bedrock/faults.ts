import { z } from 'zod';

/** Faults the local Bedrock service injects, each per request. */
export interface BedrockFaults {
  /** probability (0–1) of answering ThrottlingException (429) */
  throttle: number;
  /** probability (0–1) that a forced tool's input breaks the tool's input schema */
  malformed: number;
  /** probability (0–1) that InvokeModel's prompt is blocked by the content filters (ValidationException, 400) */
  filtered?: number;
  /** probability (0–1) that InvokeModel's images are blocked by the content filters (200, `images: []`, `error`) */
  blocked?: number;
  /** probability (0–1) of answering ModelTimeoutException (408) */
  timeout?: number;
  /** delay added before every answer, ms */
  latencyMs: number;
  /** the seed of the fault RNG, so a run's faults repeat */
  seed: number;
}

const NO_FAULTS: BedrockFaults = { throttle: 0, malformed: 0, latencyMs: 0, seed: 1 };
const PROBABILITIES = ['throttle', 'malformed', 'filtered', 'blocked', 'timeout'] as const;
const probability = z.coerce.number().min(0).max(1);
const MAX_LATENCY_MS = 60_000;

function latencyMs(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(v);
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return ms <= MAX_LATENCY_MS ? Math.round(ms) : undefined;
}

/**
 * `--bedrock-faults`: comma-separated `throttle=P`, `malformed=P`, `filtered=P`,
 * `blocked=P`, `timeout=P` (P in 0–1), `latency=D` (`2s`, `500ms`, at most 60s) and
 * `seed=N`; each at most once. Throttling, timeouts and latency apply to Converse and
 * InvokeModel; `malformed` to Converse's forced tool; `filtered` and `blocked` to
 * InvokeModel's images; the InvokeModel faults appear in the result only when given.
 *
 * @example BedrockFaultsSchema.parse('throttle=0.3,malformed=0.1,latency=2s')
 */
export const BedrockFaultsSchema = z.string().transform((text, ctx): BedrockFaults => {
  const out = { ...NO_FAULTS };
  const seen = new Set<string>();
  const fail = (message: string) => {
    ctx.addIssue({ code: 'custom', message: `${message}; expected e.g. throttle=0.3,malformed=0.1,latency=2s` });
    return z.NEVER;
  };
  for (const part of text.split(',')) {
    const [key = '', value = '', ...rest] = part.trim().split('=');
    if (rest.length > 0 || value === '') return fail(`${JSON.stringify(part)} is not key=value`);
    if (seen.has(key)) return fail(`${key} given twice`);
    seen.add(key);
    if ((PROBABILITIES as readonly string[]).includes(key)) {
      const p = probability.safeParse(value);
      if (!p.success) return fail(`${key} must be a probability between 0 and 1, got ${JSON.stringify(value)}`);
      out[key as (typeof PROBABILITIES)[number]] = p.data;
    } else if (key === 'latency') {
      const ms = latencyMs(value);
      if (ms === undefined) return fail(`latency must be a duration such as 2s or 500ms (at most 60s), got ${JSON.stringify(value)}`);
      out.latencyMs = ms;
    } else if (key === 'seed') {
      if (!/^\d{1,9}$/.test(value)) return fail(`seed must be a whole number, got ${JSON.stringify(value)}`);
      out.seed = Number(value);
    } else {
      return fail(`unknown fault ${JSON.stringify(key)} (${PROBABILITIES.join(', ')}, latency, seed)`);
    }
  }
  return out;
});
