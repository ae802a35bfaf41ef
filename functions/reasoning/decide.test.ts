import { describe, expect, it } from 'vitest';
import { PetStateSchema } from '../../protocol/shadows';
import { derive, moodOf, petState, stateHash, topContributors } from './decide';
import { prediction } from '../../test/support/functions/prediction';
import { DeterministicCoach, situationOf } from './deterministic-coach';

describe('Function: moodOf', () => {
  it.each([
    [{ stress: 'stress' as const, band: 'high' as const }, 'stressed'],
    [{ spoons: 1 }, 'tired'],
    [{ band: 'low' as const }, 'tired'],
    [{ stress: 'exercise' as const, band: 'high' as const }, 'ecstatic'],
    [{ stress: 'exercise' as const }, 'happy'],
    [{ band: 'high' as const }, 'happy'],
    [{}, 'calm'],
  ])('maps %j to %s', (over, mood) => {
    expect(moodOf(prediction(over))).toBe(mood);
  });
});

describe('Function: stateHash', () => {
  it('depends on the derived state only, not on scores that do not change it', () => {
    const a = prediction();
    const b = { ...prediction(), readiness: { ...prediction().readiness, score: 51 } };
    expect(stateHash(derive(a))).toBe(stateHash(derive(b)));
    expect(stateHash(derive(a))).not.toBe(stateHash(derive(prediction({ stress: 'stress' }))));
    expect(stateHash(derive(a))).not.toBe(stateHash(derive(prediction({ spoons: 7 }))));
  });
});

describe('Function: petState', () => {
  it('keeps the three strongest contributors and fits the pet schema well under the 8 KB shadow limit', () => {
    const p = prediction({ stress: 'stress' });
    const s = petState(p, derive(p), { message: 'x'.repeat(400), source: 'deterministic' }, 'strict', 5);
    expect(PetStateSchema.parse(s)).toEqual(s);
    expect(s.message).toHaveLength(280);
    expect(s.readiness?.top.map((c) => c.name)).toEqual(['lnRmssd', 'restingHr', 'skinTemp']);
    expect(Buffer.byteLength(JSON.stringify({ state: { desired: s } }))).toBeLessThan(2048);
  });

  it('rounds contributors for display', () => {
    expect(topContributors([{ name: 'a', value: 1.23456, baseline: null, effect: 2.345 }])).toEqual([{ name: 'a', value: 1.23, baseline: null, effect: 2.3 }]);
  });
});

describe('Class: DeterministicCoach', () => {
  const coach = new DeterministicCoach();
  it('words each situation per persona, within 280 characters, without repeating the last message', async () => {
    for (const persona of ['strict', 'encouraging'] as const) {
      for (const over of [{ stress: 'stress' as const }, { stress: 'exercise' as const }, { spoons: 0 }, { calibrating: true }, { band: 'high' as const }, {}, { stress: 'unknown' as const }]) {
        const p = prediction(over);
        const input = { persona, prediction: p, mood: moodOf(p) };
        const first = await coach.speak(input);
        expect(first.message.length).toBeLessThanOrEqual(280);
        expect(first.source).toBe('deterministic');
        const second = await coach.speak({ ...input, lastMessage: first.message });
        expect(second.message).not.toBe(first.message);
      }
    }
  });

  it('words stress differently for a strict and an encouraging persona, for the same state', async () => {
    const p = prediction({ stress: 'stress' });
    expect(situationOf({ prediction: p, mood: 'stressed' })).toBe('stress');
    const strict = await coach.speak({ persona: 'strict', prediction: p, mood: 'stressed' });
    const kind = await coach.speak({ persona: 'encouraging', prediction: p, mood: 'stressed' });
    expect(strict.message).not.toBe(kind.message);
  });
});
