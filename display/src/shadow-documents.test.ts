import { describe, expect, it } from 'vitest';
import type { PetState } from '../../protocol/shadows';
import { FleetStore } from './fleet-store';
import { latestChange, parseShadowPayload, readDaily, readPet, shadowChangeOf } from './shadow-documents';
import { stateTimes } from './views/format';

const enc = (x: unknown) => new TextEncoder().encode(typeof x === 'string' ? x : JSON.stringify(x));
const pet = { mood: 'stressed', energy: 0.4, message: 'Slow breaths.', stress: 'stress', source: 'llm', updatedAt: 1_700_000_000_000 };
const documents = (desired: unknown, version: number) => ({ previous: null, current: { state: { desired }, metadata: {}, version }, timestamp: 1_700_000_000 });

describe('Function: shadowChangeOf', () => {
  it("reads a pet shadow's documents message as the thing's new pet state", () => {
    const change = shadowChangeOf('$aws/things/pet-7/shadow/name/pet/update/documents', enc(documents(pet, 12)));
    expect(change).toEqual({ thing: 'pet-7', shadow: 'pet', read: { ok: true, state: pet, version: 12 } });
  });

  it('reads the daily shadow from reported, with its explanation when the day has one', () => {
    const reported = { day: '2025-01-02', steps: 9000, activeMin: 40, stressMin: 30, samples: 80000, anomalies: [], updatedAt: 1, explanation: 'A calm day.', explanationSource: 'llm' };
    const msg = { previous: null, current: { state: { reported }, version: 3 }, timestamp: 1 };
    const change = shadowChangeOf('$aws/things/pet-7/shadow/name/daily/update/documents', enc(msg));
    expect(change).toMatchObject({ shadow: 'daily', read: { ok: true, version: 3, state: { explanation: 'A calm day.', explanationSource: 'llm', steps: 9000 } } });
  });

  it('keeps keys a newer writer added, and reports a state it cannot read instead of throwing', () => {
    expect(readPet({ state: { desired: { ...pet, newField: 1 } }, version: 1 })).toMatchObject({ ok: true, state: { newField: 1 } });
    const bad = readPet({ state: { desired: { ...pet, energy: 7 } }, version: 2 });
    expect(bad).toMatchObject({ ok: false, version: 2 });
    expect(!bad.ok && bad.error).toMatch(/energy/);
    expect(shadowChangeOf('$aws/things/pet-7/shadow/name/pet/update/documents', enc('not json'))).toMatchObject({ read: { ok: false, error: 'the documents message is not JSON' } });
    expect(readDaily({ state: {}, version: 1 })).toMatchObject({ ok: true });
  });

  it('takes when IoT Core last wrote the side it reads from that side metadata, not from the other side', () => {
    const metadata = {
      desired: { mood: { timestamp: 1_700_000_100 }, readiness: { top: [{ name: { timestamp: 1_700_000_200 } }] } },
      reported: { steps: { timestamp: 1_700_000_900 } },
    };
    expect(readPet({ state: { desired: pet }, metadata, version: 5 })).toEqual({ ok: true, state: pet, version: 5, changedAt: 1_700_000_200_000 });
    expect(readDaily({ state: { reported: { steps: 3 } }, metadata, version: 5 })).toMatchObject({ changedAt: 1_700_000_900_000 });
    expect(readPet({ state: { desired: pet }, version: 5 })).toEqual({ ok: true, state: pet, version: 5 });
    // a metadata tree it cannot read is no reason to refuse the state
    expect(parseShadowPayload(enc({ state: { desired: pet }, metadata: 'odd', version: 5 }))).toEqual({ state: { desired: pet }, version: 5 });
    expect(latestChange({ a: { timestamp: 'soon' }, b: { timestamp: -1 }, c: [{ timestamp: 3 }] })).toBe(3_000);
    expect(latestChange(null)).toBeUndefined();
  });

  it('says the data time of a state only when it is over ten minutes older than the write of the state', () => {
    const at = 1_700_000_000_000;
    const state: PetState = { mood: 'stressed', energy: 0.4, message: 'Slow breaths.' };
    const read = (updatedAt: number, changedAt?: number) => ({ ok: true as const, state: { ...state, updatedAt }, version: 1, ...(changedAt === undefined ? {} : { changedAt }) });
    expect(stateTimes(read(at - 29 * 86_400_000, at))).toEqual({ changedAt: at, dataAt: at - 29 * 86_400_000 });
    expect(stateTimes(read(at - 9 * 60_000, at))).toEqual({ changedAt: at });
    expect(stateTimes(read(at - 60_000))).toEqual({ changedAt: at - 60_000 });
    expect(stateTimes({ ok: false, error: 'x', version: 1 })).toEqual({});
  });

  it('reads the avatar reference, and drops a malformed one instead of refusing the state', () => {
    const hash = 'c'.repeat(64);
    const avatar = { key: `avatars/${hash}.png`, url: `http://127.0.0.1:4566/pulsepet-avatars/avatars/${hash}.png?X-Amz-Signature=1`, hash };
    expect(readPet({ state: { desired: { ...pet, avatar } }, version: 3 })).toMatchObject({ ok: true, state: { avatar } });
    const bad = readPet({ state: { desired: { ...pet, avatar: { ...avatar, url: 'javascript:alert(1)' } } }, version: 4 });
    expect(bad).toMatchObject({ ok: true, state: { mood: pet.mood } });
    expect(bad.ok && bad.state.avatar).toBeUndefined();
  });

  it('ignores every other topic (another shadow, another operation)', () => {
    expect(shadowChangeOf('$aws/things/pet-7/shadow/name/config/update/documents', enc(documents({}, 1)))).toBeUndefined();
    expect(shadowChangeOf('$aws/things/pet-7/shadow/name/pet/update/delta', enc(documents(pet, 1)))).toBeUndefined();
    expect(shadowChangeOf('dt/pulsepet/pet-7/telemetry', enc({}))).toBeUndefined();
  });

  it('parses a GetThingShadow payload, naming what is wrong with a bad one', () => {
    expect(parseShadowPayload(enc({ state: { desired: pet }, version: 4 }))).toMatchObject({ version: 4 });
    expect(parseShadowPayload(enc({ state: {} }))).toMatchObject({ error: expect.stringMatching(/version/) });
  });
});

describe('Class: FleetStore', () => {
  it('keeps the newest version when an HTTP read and a live change race, and tells listeners which pet changed', () => {
    const store = new FleetStore(() => 5);
    const seen: Array<string | undefined> = [];
    store.subscribe((t) => seen.push(t));
    expect(store.applyPet('pet-1', { ok: true, state: { ...pet, mood: 'calm' } as never, version: 8 })).toBe(true);
    expect(store.applyPet('pet-1', { ok: true, state: pet as never, version: 7 })).toBe(false);
    expect(store.get('pet-1')?.pet).toMatchObject({ version: 8, state: { mood: 'calm' } });
    expect(store.get('pet-1')?.receivedAt).toBe(5);
    store.setFleet([{ thing: 'pet-2', lastSampleAt: 10 }], new Map([['pet-2', { connected: true, at: 9 }], ['not-a-pet', { connected: true, at: 9 }]]));
    expect(store.list().map((p) => p.thing)).toEqual(['pet-1', 'pet-2']);
    expect(store.get('pet-2')?.presence).toEqual({ connected: true, at: 9 });
    expect(seen).toEqual(['pet-1', undefined]);
  });
});
