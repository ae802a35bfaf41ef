import { describe, expect, it } from 'vitest';
import type { ConverseRequest } from './converse-shapes';
import { coachSentence, factsOf, fillSourceFor, lastUserText, personaOf } from './local-coach';

const req = (system: string, text: string): ConverseRequest => ({
  system: [{ text: system }],
  messages: [
    { role: 'user', content: [{ text: 'old: 1' }] },
    { role: 'assistant', content: [{ text: 'ok' }] },
    { role: 'user', content: [{ text }, { toolResult: { toolUseId: 't1', content: [{ text: 'spoons: 3' }] } }] },
  ],
});

describe('local coach', () => {
  it('finds the persona in the system prompt and the facts in the last user message', () => {
    const r = req('Persona: encouraging', 'Readiness Score: 42\n- stress = high; weather: "rain"\nnot a fact');
    expect(personaOf(r)).toBe('encouraging');
    expect(personaOf(req('You are STRICT.', ''))).toBe('strict');
    expect(personaOf(req('Be kind.', ''))).toBe('neutral');
    expect(factsOf(lastUserText(r))).toEqual([
      { key: 'readiness_score', value: '42' },
      { key: 'stress', value: 'high' },
      { key: 'weather', value: '"rain"' },
      { key: 'spoons', value: '3' },
    ]);
  });

  it('words the same facts tersely when strict and warmly when encouraging, the same every time', () => {
    const facts = factsOf('readiness: 42; stress: high');
    expect(coachSentence(facts, 'strict')).toBe('Readiness 42, stress high. Act on it.');
    expect(coachSentence(facts, 'encouraging')).toMatch(/^Nice work checking in! readiness 42, stress high\. You've got this/);
    expect(coachSentence([], 'neutral')).toBe('No readings to go on yet. That is the picture for now.');
  });

  it('fills messages with the sentence, numbers and enum choices from same-named facts', () => {
    const src = fillSourceFor(factsOf('energy: 3.5\nmood: Tired'), 'strict');
    expect(src.text('message')).toMatch(/^Energy 3\.5/);
    expect(src.text('suggestion')).toBe('Rest 10 minutes.');
    expect(src.number('energy')).toBe(3.5);
    expect(src.number('mood')).toBeUndefined();
    expect(src.choice('mood', ['calm', 'tired'])).toBe('tired');
  });
});
