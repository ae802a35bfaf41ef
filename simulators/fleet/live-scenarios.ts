/**
 * What a simulated device plays: the labelled body scenarios of simulators/body, looped.
 * `burnout` is the mixed day of a wearer on the last day of a 14-day burnout (history.ts:
 * resting HR up 7 bpm, ln RMSSD down 0.4, less sleep); `illness` is the labelled ill
 * condition; `mix` deals the seven across the fleet in turn.
 *
 * Recordings are generated once per (scenario, persona, variant) and shared by every
 * device playing them, each from its own phase, so 10,000 devices cost at most 105
 * recordings, not 10,000; each is kept as typed columns (about 160 KB for a 2-hour one,
 * a seventh of the sample objects it comes from).
 */
import { generateHistory, personaOnDay } from '../body/history';
import { PERSONAS, type Persona } from '../body/personas';
import { deriveSeed } from '../body/rng';
import { generateScenario } from '../body/scenarios';

export const LIVE_SCENARIOS = ['rest', 'run', 'stress', 'sleep', 'hike', 'burnout', 'illness'] as const;
export type LiveScenario = (typeof LIVE_SCENARIOS)[number];
/** What `--scenario` accepts. */
export const SCENARIO_CHOICES = ['mix', ...LIVE_SCENARIOS] as const;
export type ScenarioChoice = (typeof SCENARIO_CHOICES)[number];

/** The body scenario each live scenario plays. */
const BODY_SCENARIO: Record<LiveScenario, string> = {
  rest: 'rest',
  run: 'run',
  stress: 'stress',
  sleep: 'sleep',
  hike: 'hike',
  burnout: 'mixed-day',
  illness: 'illness',
};

/** Different recordings per (scenario, persona); devices beyond that differ by phase. */
export const VARIANTS = 3;

/** One looped recording at 1 Hz, by second from offset 0; NaN where nothing was measured. */
export interface Recording {
  scenario: LiveScenario;
  persona: Persona;
  lengthS: number;
  /** NaN in a gap: the watch recorded nothing that second */
  hr: Float32Array;
  /** NaN when the sample lacks HRV */
  hrvRmssd: Float32Array;
  skinTempC: Float32Array;
  accelG: Float32Array;
  /** steps taken in second s (0 in a gap) */
  steps: Uint16Array;
  /** altitude per minute, m */
  altitudeByMinute: Float32Array;
}

/** What a fleet plays: `mix` (the seven in turn), one scenario, or a list of them dealt in turn. */
export type ScenarioDeal = ScenarioChoice | readonly LiveScenario[];

/** The live scenario device `index` (0-based) plays under `deal`. */
export function scenarioFor(deal: ScenarioDeal, index: number): LiveScenario {
  const deck: readonly LiveScenario[] = deal === 'mix' ? LIVE_SCENARIOS : typeof deal === 'string' ? [deal] : deal;
  return deck[index % deck.length] ?? LIVE_SCENARIOS[0];
}

/**
 * `--scenario` as given: `mix`, one live scenario, or a comma-separated list of live
 * scenarios (dealt across the fleet in turn); undefined when it is none of these.
 * @example parseScenarioDeal('run,stress') // ['run', 'stress']
 */
export function parseScenarioDeal(s: string): ScenarioDeal | undefined {
  if (isScenarioChoice(s)) return s;
  const list = s.split(',');
  return list.length > 1 && list.every((x): x is LiveScenario => (LIVE_SCENARIOS as readonly string[]).includes(x)) ? list : undefined;
}

export function isScenarioChoice(s: string): s is ScenarioChoice {
  return (SCENARIO_CHOICES as readonly string[]).includes(s);
}

/** The body persona ids, for a device spec. */
export const BODY_PERSONA_IDS = PERSONAS.map((p) => p.id);

/**
 * The body persona `pulsepet simulate --seed S` deals the device of `thing`: stable across
 * runs (FNV-1a of the seed and the name). `simulate seed-history` seeds the same body by
 * default, so the history a pet is judged against is that of the body it then plays.
 */
export function bodyPersonaFor(seed: number, thing: string): string {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < thing.length; i++) h = Math.imul(h ^ thing.charCodeAt(i), 0x01000193) >>> 0;
  return BODY_PERSONA_IDS[h % BODY_PERSONA_IDS.length] ?? 'office';
}

function personaById(id: string): Persona {
  const p = PERSONAS.find((x) => x.id === id);
  if (p === undefined) throw new RangeError(`unknown body persona ${id} (one of ${BODY_PERSONA_IDS.join(', ')})`);
  return p;
}

function record(scenario: LiveScenario, base: Persona, seed: number): Recording {
  // the burnout's body is its history's last day (the worst of the 14)
  const history = scenario === 'burnout' ? generateHistory('burnout', base, seed) : undefined;
  const p = history === undefined ? base : personaOnDay(history, history.rows.length - 1);
  const s = generateScenario(BODY_SCENARIO[scenario], p, seed);
  const lengthS = Math.round((s.truth.length * 300_000) / 1000);
  const column = () => new Float32Array(lengthS).fill(Number.NaN);
  const r: Recording = { scenario, persona: base, lengthS, hr: column(), hrvRmssd: column(), skinTempC: column(), accelG: column(), steps: new Uint16Array(lengthS), altitudeByMinute: new Float32Array(Math.ceil(lengthS / 60)) };
  for (const x of s.samples) {
    const sec = Math.round((x.t - s.start) / 1000);
    if (sec < 0 || sec >= lengthS) continue;
    r.hr[sec] = x.hr;
    r.hrvRmssd[sec] = x.hrvRmssd ?? Number.NaN;
    r.skinTempC[sec] = x.skinTempC ?? Number.NaN;
    r.accelG[sec] = x.accelG ?? Number.NaN;
    r.steps[sec] = x.steps ?? 0;
  }
  s.contexts.forEach((c, i) => {
    if (i < r.altitudeByMinute.length) r.altitudeByMinute[i] = c.context.altitudeM ?? 0;
  });
  return r;
}

/** Recordings by (scenario, persona, variant), generated on first use and shared. */
export class RecordingLibrary {
  private readonly cache = new Map<string, Recording>();

  constructor(private readonly seed: number) {}

  get(scenario: LiveScenario, personaId: string, variant: number): Recording {
    const v = ((variant % VARIANTS) + VARIANTS) % VARIANTS;
    const key = `${scenario}/${personaId}/${v}`;
    let r = this.cache.get(key);
    if (r === undefined) {
      r = record(scenario, personaById(personaId), deriveSeed(this.seed, key) % 100_000);
      this.cache.set(key, r);
    }
    return r;
  }

  get size(): number {
    return this.cache.size;
  }
}
