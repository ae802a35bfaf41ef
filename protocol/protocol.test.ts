import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOG, PulsepetError } from './errors';
import { summarize, TelemetryV1Schema } from './telemetry';
import { parseShadowTopic, shadowTopic, telemetryTopic, topicLimitViolation } from './topics';

describe('error catalog', () => {
  it('documents every error code in docs/errors.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '../docs/errors.md'), 'utf8');
    const missing = Object.keys(ERROR_CATALOG).filter((c) => !doc.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });

  it('chains the cause and takes retryable from the catalog', () => {
    const cause = new Error('disk');
    const e = new PulsepetError('PP_ERR_STORE', 'write failed', { cause });
    expect(e.cause).toBe(cause);
    expect(e.retryable).toBe(true);
    expect(new PulsepetError('PP_ERR_VALIDATION', 'x').retryable).toBe(false);
  });
});

describe('topic catalog', () => {
  it('builds and parses classic and named shadow topics', () => {
    expect(shadowTopic('pet-1', 'pet', 'update', 'delta')).toBe('$aws/things/pet-1/shadow/name/pet/update/delta');
    expect(parseShadowTopic('$aws/things/pet-1/shadow/get')).toEqual({
      thing: 'pet-1',
      name: undefined,
      op: 'get',
      suffix: undefined,
    });
    expect(parseShadowTopic('$aws/things/pet-1/shadow/name/config/update/accepted')).toEqual({
      thing: 'pet-1',
      name: 'config',
      op: 'update',
      suffix: 'accepted',
    });
    expect(parseShadowTopic('$aws/things/pet-1/shadow/name/config/patch')).toBeUndefined();
    expect(parseShadowTopic('dt/pulsepet/pet-1/telemetry')).toBeUndefined();
  });

  it('refuses thing names IoT Core refuses', () => {
    expect(telemetryTopic('pet-1')).toBe('dt/pulsepet/pet-1/telemetry');
    expect(() => telemetryTopic('a/b')).toThrow(/invalid thing name/);
    expect(() => telemetryTopic('')).toThrow(/invalid thing name/);
  });

  it('enforces the 256-byte and 7-slash topic limits but not on reserved topics', () => {
    expect(topicLimitViolation('a/b/c/d/e/f/g/h')).toBeUndefined();
    expect(topicLimitViolation('a/b/c/d/e/f/g/h/i')).toMatch(/slashes/);
    expect(topicLimitViolation('x'.repeat(257))).toMatch(/256 bytes/);
    expect(topicLimitViolation('$aws/things/t/shadow/name/pet/update/documents')).toBeUndefined();
  });
});

describe('telemetry v1', () => {
  const samples = [
    { t: 1_700_000_000_000, hr: 60, hrvRmssd: 40, steps: 10 },
    { t: 1_700_000_001_000, hr: 80, steps: 5 },
  ];

  it('accepts a batch with its edge summary', () => {
    const batch = { v: 1, batchId: '01J0', seq: 0, samples, summary: summarize(samples) };
    expect(TelemetryV1Schema.parse(batch).summary).toEqual({
      from: 1_700_000_000_000,
      to: 1_700_000_001_000,
      n: 2,
      hrMean: 70,
      hrMax: 80,
      hrvRmssd: 40,
      stepsSum: 15,
    });
  });

  it('rejects out-of-range vitals, unknown fields and a summary that disagrees', () => {
    const base = { v: 1, batchId: 'b', seq: 0, samples, summary: summarize(samples) };
    expect(TelemetryV1Schema.safeParse({ ...base, samples: [{ t: 1, hr: 400 }] }).success).toBe(false);
    expect(TelemetryV1Schema.safeParse({ ...base, extra: 1 }).success).toBe(false);
    expect(TelemetryV1Schema.safeParse({ ...base, summary: { ...base.summary, n: 3 } }).success).toBe(false);
    expect(TelemetryV1Schema.safeParse({ ...base, samples: [] }).success).toBe(false);
  });
});
