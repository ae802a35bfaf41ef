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

/** The live scenario device `index` (0-based) plays under `choice`. */
export function scenarioFor(choice: ScenarioChoice, index: number): LiveScenario {
  return choice === 'mix' ? (LIVE_SCENARIOS[index % LIVE_SCENARIOS.length] as LiveScenario) : choice;
}

export function isScenarioChoice(s: string): s is ScenarioChoice {
  return (SCENARIO_CHOICES as readonly string[]).includes(s);
}

/** The body persona ids, for a device spec. */
export const BODY_PERSONA_IDS = PERSONAS.map((p) => p.id);

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
