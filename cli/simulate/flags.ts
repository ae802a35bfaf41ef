/** The flags of `pulsepet simulate` and its subcommands (node:util parseArgs specs and zod schemas). */
import { z } from 'zod';
import type { FlagSpec } from '../../common/cli-config';
import { PERSONAS } from '../../protocol/shadows';
import { THING_NAME_RE } from '../../protocol/topics';
import { BODY_PERSONA_IDS, LIVE_SCENARIOS, parseScenarioDeal, SCENARIO_CHOICES } from '../../simulators/index';
import { parseDuration } from '../fleet/flags';
import { isUtcDay } from '../../functions/daily-summary/summarize-day';

/** A duration flag (`30s`, `10m`, `500ms`; a bare number is seconds) within [min, max] ms. */
const duration = (dflt: string, min: number, max: number) =>
  z
    .string()
    .default(dflt)
    .transform((s, c) => {
      const ms = parseDuration(s);
      if (ms === undefined || ms < min || ms > max) {
        c.addIssue({ code: 'custom', message: `expected a duration from ${min} ms to ${max / 1000} s such as 30s or 10m, got '${s}'` });
        return z.NEVER;
      }
      return ms;
    });

/**
 * A moment (ISO 8601 with its zone, or epoch milliseconds) not in the future, as epoch ms.
 * @example scenarioStart.parse('2026-11-08T18:00:00Z') // 1794160800000
 */
const scenarioStart = z
  .string()
  .optional()
  .transform((s, c) => {
    if (s === undefined) return undefined;
    const ms = /^\d+$/.test(s) ? Number(s) : /^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/.test(s) ? Date.parse(s) : Number.NaN;
    if (!Number.isSafeInteger(ms) || ms < Date.UTC(2000, 0, 1) || ms > Date.now()) {
      c.addIssue({ code: 'custom', message: `expected a time from 2000 up to now, in ISO 8601 with its zone (2026-11-08T18:00:00Z) or epoch ms, got '${s}'` });
      return z.NEVER;
    }
    return ms;
  });

const common = { json: { type: 'boolean' }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export const RUN_FLAGS: FlagSpec = {
  ...common,
  devices: { type: 'string' },
  scenario: { type: 'string' },
  prefix: { type: 'string' },
  'sample-interval': { type: 'string' },
  'batch-interval': { type: 'string' },
  duration: { type: 'string' },
  speedup: { type: 'string' },
  'scenario-start': { type: 'string' },
  'connect-rate': { type: 'string' },
  seed: { type: 'string' },
  'state-dir': { type: 'string' },
  'root-ca': { type: 'string' },
  settle: { type: 'string' },
  concurrency: { type: 'string' },
};

export const RunFlags = z.object({
  help: z.boolean().default(false),
  json: z.boolean().default(false),
  region: z.string().min(1).optional(),
  devices: z.coerce.number().int().min(1).max(50_000),
  scenario: z
    .string()
    .default('mix')
    .transform((s, ctx) => {
      const deal = parseScenarioDeal(s);
      if (deal === undefined) ctx.addIssue({ code: 'custom', message: `expected ${SCENARIO_CHOICES.join('|')}, or a comma-separated list of ${LIVE_SCENARIOS.join('|')} (dealt across the fleet in turn); got '${s}'` });
      return deal ?? 'mix';
    }),
  prefix: z
    .string()
    .regex(/^[a-zA-Z0-9:_-]{1,100}$/, 'prefix must be 1-100 of [a-zA-Z0-9:_-]')
    .default('sim-'),
  'sample-interval': duration('1s', 100, 3_600_000),
  'batch-interval': duration('30s', 1_000, 3_600_000),
  duration: duration('10m', 1_000, 7 * 86_400_000),
  speedup: z.coerce.number().min(1).max(100_000).default(1),
  'scenario-start': scenarioStart,
  'connect-rate': z.coerce.number().min(0.1).max(100_000).default(100),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(1),
  'state-dir': z.string().min(1).default('.pulsepet/simulate'),
  'root-ca': z.string().min(1).optional(),
  /** how long the store check waits for ingest to catch up once counts stop growing */
  settle: duration('30s', 0, 3_600_000),
  concurrency: z.coerce.number().int().min(1).max(64).default(16),
});
export type RunFlags = z.infer<typeof RunFlags>;

export const SEED_FLAGS: FlagSpec = {
  ...common,
  thing: { type: 'string' },
  days: { type: 'string' },
  scenario: { type: 'string' },
  persona: { type: 'string' },
  seed: { type: 'string' },
  before: { type: 'string' },
  'sample-interval': { type: 'string' },
};

export const SEED_SCENARIOS = ['burnout', 'illness', 'ordinary'] as const;

export const SeedFlags = z.object({
  help: z.boolean().default(false),
  json: z.boolean().default(false),
  region: z.string().min(1).optional(),
  thing: z.string().regex(THING_NAME_RE, 'thing names are [a-zA-Z0-9:_-], 1..128 chars'),
  days: z.coerce.number().int().min(1).max(74).default(14),
  scenario: z.enum(SEED_SCENARIOS).default('ordinary'),
  /** the body persona; default: the one `pulsepet simulate --seed S` deals this thing (bodyPersonaFor) */
  persona: z.enum(BODY_PERSONA_IDS as [string, ...string[]]).optional(),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(1),
  /** the N days end the day before this UTC day (default today: they end yesterday) */
  before: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day such as 2026-11-08')
    .refine(isUtcDay, 'not a calendar day')
    .optional(),
  /**
   * one stored sample per interval (its steps those of the whole interval); at most 20 s:
   * the daily summary reads a minute with fewer than 3 heart-rate samples as unknown
   * (functions/reasoning/models/minute-state.ts minValidSamples)
   */
  'sample-interval': duration('10s', 1_000, 20_000),
});
export type SeedFlags = z.infer<typeof SeedFlags>;

export const PERSONA_FLAGS: FlagSpec = { ...common, thing: { type: 'string' } };

export const PersonaFlags = z.object({
  help: z.boolean().default(false),
  json: z.boolean().default(false),
  region: z.string().min(1).optional(),
  thing: z.string().regex(THING_NAME_RE, 'thing names are [a-zA-Z0-9:_-], 1..128 chars'),
  persona: z.enum(PERSONAS),
});
