import { describe, expect, it } from 'vitest';
import { DailyExplanationSchema } from '../../protocol/daily';
import { explanationProblem, finishedSentences, fitExplanation, metricsNamed, plainText, unflaggedMetricsCalledUnusual } from './explain-check';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('Function: plainText', () => {
  it('makes one paragraph of plain text: no markdown markers, control characters or runs of whitespace', () => {
    expect(plainText('**Rest day.**\n\n# Sleep\tearly\u0007 tonight.  ')).toBe('Rest day. Sleep early tonight.');
  });
});

describe('Function: finishedSentences', () => {
  it('drops the sentence a max_tokens answer stopped in', () => {
    expect(finishedSentences('Your day was steady. Keep your routine and')).toBe('Your day was steady.');
    expect(finishedSentences('Rest up! "Sleep early." Then')).toBe('Rest up! "Sleep early."');
  });

  it('finds none when the first sentence never ended', () => {
    expect(finishedSentences('Your resting heart rate was')).toBeUndefined();
  });
});

describe('Function: fitExplanation', () => {
  it('leaves a text that fits alone', () => {
    const t = `${'Steady day. '.repeat(49)}End.`;
    expect(t.length).toBeLessThanOrEqual(600);
    expect(fitExplanation(t)).toBe(t);
  });

  it('cuts a long text after its last whole sentence within 600 characters', () => {
    const t = 'Your day was steady and calm. '.repeat(30).trim();
    const cut = fitExplanation(t);
    expect(cut.length).toBeLessThanOrEqual(600);
    expect(cut.length).toBeGreaterThan(550);
    expect(cut.endsWith('calm.')).toBe(true);
  });

  it('cuts one long sentence at a word boundary with an ellipsis', () => {
    const t = `Your day ${'went on and '.repeat(80)}ended.`;
    const cut = fitExplanation(t);
    expect(cut.length).toBeLessThanOrEqual(600);
    expect(cut).toMatch(/ (went|on|and)…$/);
    expect(t.startsWith(cut.slice(0, -1))).toBe(true);
  });

  it('keeps to 1,200 bytes of UTF-8 when the characters are wide, and never splits a surrogate pair', () => {
    const t = 'Été calme 🐾 très reposé. '.repeat(40);
    const cut = fitExplanation(t);
    expect(bytes(cut)).toBeLessThanOrEqual(1200);
    expect(cut.length).toBeLessThanOrEqual(600);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(DailyExplanationSchema.safeParse({ text: cut, source: 'llm' }).success).toBe(true);
  });
});

describe('Function: metricsNamed', () => {
  it('tells heart rate variability from heart rate', () => {
    expect([...metricsNamed('Your heart rate variability dipped.')]).toEqual(['lnRmssdRest']);
    expect([...metricsNamed('Your resting HR and HRV, your sleep and your steps.')].sort()).toEqual(['lnRmssdRest', 'restingHrBpm', 'sleepMin', 'steps']);
  });
});

describe('Function: unflaggedMetricsCalledUnusual', () => {
  const rhr = new Set(['restingHrBpm'] as const);

  it('finds a metric called unusual that the day did not flag', () => {
    expect(unflaggedMetricsCalledUnusual('Your resting heart rate and HRV were both lower than usual.', rhr)).toEqual(['lnRmssdRest']);
    expect(unflaggedMetricsCalledUnusual('You slept shorter than usual.', rhr)).toEqual(['sleepMin']);
    expect(unflaggedMetricsCalledUnusual('Your sleep ran longer than usual.', rhr)).toEqual(['sleepMin']);
    expect(unflaggedMetricsCalledUnusual('Skin temperature sat above your normal range.', rhr)).toEqual(['skinTempC']);
    expect(unflaggedMetricsCalledUnusual('Stress was elevated this afternoon.', rhr)).toEqual(['stressMin']);
  });

  it('lets a clause name unflagged metrics without calling them unusual', () => {
    expect(unflaggedMetricsCalledUnusual('Your resting heart rate was high, but your sleep was normal.', rhr)).toEqual([]);
    expect(unflaggedMetricsCalledUnusual('Resting heart rate higher than usual; you took 8000 steps and slept 7 hours.', rhr)).toEqual([]);
    expect(unflaggedMetricsCalledUnusual('A short walk and an early night to sleep could help.', new Set())).toEqual([]);
  });
});

describe('Function: explanationProblem', () => {
  it('accepts an explanation about the flagged anomaly with rest or sleep advice', () => {
    expect(explanationProblem('Your resting heart rate was higher than usual. Take it easy and get to bed early.', new Set(['restingHrBpm']))).toBeUndefined();
  });

  it.each([
    ['Your resting heart rate was high; this could be an infection.', 'infection'],
    ['Your HRV was low. You may be getting sick.', 'sick'],
    ['Your resting heart rate was high. Cut down on coffee.', 'coffee'],
    ['Your resting heart rate was high. See a doctor.', 'doctor'],
  ])('refuses a diagnosis or advice beyond rest, activity and sleep: %s', (text, word) => {
    expect(explanationProblem(text, new Set(['restingHrBpm', 'lnRmssdRest']))).toContain(word);
  });

  it('refuses an empty text and an unflagged anomaly', () => {
    expect(explanationProblem('', new Set())).toBe('no text');
    expect(explanationProblem('Your steps were lower than usual.', new Set(['sleepMin']))).toMatch(/steps unusual/);
  });
});
