import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { ShadowService, type ShadowServiceLimits } from './shadow-service';
import { ShadowStore } from './shadow-store';
import { MemoryBus } from '../../test/support/local/shadow/memory-bus';

const P = '$aws/things/pet-1/shadow';

describe('Class: ShadowService', () => {
  let dir: string;
  let bus: MemoryBus;
  let store: ShadowStore;
  let svc: ShadowService;
  let clock: number;

  function make(limits: Partial<ShadowServiceLimits> = {}): ShadowService {
    const s = new ShadowService({ bus, store, logger: silentLogger(), limits, now: () => clock });
    s.start();
    return s;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pp-shadow-svc-'));
    bus = new MemoryBus();
    store = ShadowStore.open(dir);
    clock = 1_700_000_000_000;
    svc = make();
  });

  afterEach(() => {
    svc.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('Method: MQTT requests', () => {
    it('answers an update on accepted, then delta, then documents', async () => {
      const documents = bus.next(`${P}/update/documents`);
      await bus.inject(`${P}/update`, '{"state":{"desired":{"led":"on"}},"clientToken":"c1"}', { clientId: 'pet-1' });
      await documents;
      const order = bus.published.map((p) => p.topic).filter((t) => t !== `${P}/update`);
      expect(order).toEqual([`${P}/update/accepted`, `${P}/update/delta`, `${P}/update/documents`]);
      expect(bus.json(`${P}/update/delta`)).toEqual([
        expect.objectContaining({ state: { led: 'on' }, version: 1, clientToken: 'c1' }),
      ]);
      expect(bus.published.every((p) => p.topic === `${P}/update` || p.qos === 1)).toBe(true);
    });

    it('answers get on get/accepted with the clientToken echoed', async () => {
      await svc.update('pet-1', undefined, '{"state":{"reported":{"a":1}}}', { via: 'http' });
      const got = bus.next(`${P}/get/accepted`);
      await bus.inject(`${P}/get`, '{"clientToken":"g"}', { clientId: 'pet-1' });
      expect(await got).toMatchObject({ state: { reported: { a: 1 } }, version: 1, clientToken: 'g' });
    });

    it('rejects malformed JSON on update/rejected with 400', async () => {
      const rej = bus.next(`${P}/update/rejected`);
      await bus.inject(`${P}/update`, '{"state":', { clientId: 'pet-1' });
      expect(await rej).toMatchObject({ code: 400, message: 'Invalid JSON' });
      expect(store.get('pet-1', undefined)).toBeUndefined();
    });

    it('rejects get of a missing shadow with 404 on get/rejected', async () => {
      const rej = bus.next(`${P}/get/rejected`);
      await bus.inject(`${P}/get`, '', { clientId: 'pet-1' });
      expect(await rej).toMatchObject({ code: 404 });
    });

    it('keeps named shadows apart from the classic shadow', async () => {
      const acc = bus.next(`${P}/name/pet/update/accepted`);
      await bus.inject(`${P}/name/pet/update`, '{"state":{"desired":{"mood":"calm"}}}', { clientId: 'pet-1' });
      await acc;
      expect(store.get('pet-1', 'pet')?.state.desired).toEqual({ mood: 'calm' });
      expect(store.get('pet-1', undefined)).toBeUndefined();
      expect(svc.listNamedShadows('pet-1').results).toEqual(['pet']);
    });

    it('does not treat its own responses as requests', async () => {
      const docs = bus.next(`${P}/update/documents`);
      await bus.inject(`${P}/update`, '{"state":{"reported":{"a":1}}}', { clientId: 'pet-1' });
      await docs;
      await store.flush();
      expect(bus.published).toHaveLength(3);
    });
  });

  describe('Method: delete', () => {
    it('deletes, answers 404 afterwards, and continues the version on re-creation', async () => {
      await svc.update('pet-1', undefined, '{"state":{"reported":{"a":1}}}', { via: 'http' });
      await svc.update('pet-1', undefined, '{"state":{"reported":{"a":2}}}', { via: 'http' });
      const del = await svc.delete('pet-1', undefined, '', { via: 'http' });
      expect(del).toMatchObject({ ok: true, body: { version: 2 } });
      expect(bus.json(`${P}/delete/accepted`)).toHaveLength(1);
      expect(await svc.get('pet-1', undefined, '', { via: 'http' })).toMatchObject({ ok: false, code: 404 });
      expect(await svc.delete('pet-1', undefined, '', { via: 'http' })).toMatchObject({ ok: false, code: 404 });
      const again = await svc.update('pet-1', undefined, '{"state":{"reported":{"a":3}}}', { via: 'http' });
      expect(again).toMatchObject({ ok: true, body: { version: 3 } });
    });

    it('restarts at version 1 when the shadow was deleted more than 48 hours ago', async () => {
      await svc.update('pet-1', undefined, '{"state":{"reported":{"a":1}}}', { via: 'http' });
      await svc.delete('pet-1', undefined, '', { via: 'http' });
      clock += 49 * 3600 * 1000;
      const again = await svc.update('pet-1', undefined, '{"state":{"reported":{"a":3}}}', { via: 'http' });
      expect(again).toMatchObject({ ok: true, body: { version: 1 } });
    });
  });

  describe('Method: responses nobody receives', () => {
    it('publishes only the responses the bus says someone receives, and still answers the caller', async () => {
      svc.stop();
      const subscribed = new Set([`${P}/update/delta`, `${P}/update/rejected`]);
      const picky = Object.assign(bus, { hasSubscribers: (topic: string) => subscribed.has(topic) });
      svc = new ShadowService({ bus: picky, store, logger: silentLogger(), now: () => clock });
      svc.start();
      const r = await svc.update('pet-1', undefined, '{"state":{"desired":{"led":"on"}},"clientToken":"c1"}', { via: 'mqtt' });
      expect(r).toMatchObject({ ok: true, body: { state: { desired: { led: 'on' } }, version: 1, clientToken: 'c1' } });
      const bad = await svc.update('pet-1', undefined, '{"state":{"desired":{"led":"off"}},"version":7}', { via: 'mqtt' });
      expect(bad).toMatchObject({ ok: false, code: 409 });
      expect(bus.published.map((p) => p.topic)).toEqual([`${P}/update/delta`, `${P}/update/rejected`]);
    });
  });

  describe('Method: HTTP callers', () => {
    it('publishes accepted, delta and documents for an HTTP update like for an MQTT one', async () => {
      const r = await svc.update('pet-1', 'config', '{"state":{"desired":{"units":"metric"}}}', { via: 'http' });
      expect(r.ok).toBe(true);
      const topics = bus.published.map((p) => p.topic);
      expect(topics).toEqual([
        `${P}/name/config/update/accepted`,
        `${P}/name/config/update/delta`,
        `${P}/name/config/update/documents`,
      ]);
    });

    it('returns HTTP errors without publishing them', async () => {
      const r = await svc.update('pet-1', undefined, '{"nostate":1}', { via: 'http' });
      expect(r).toMatchObject({ ok: false, code: 400, message: 'Missing required node: state' });
      expect(bus.published).toHaveLength(0);
    });

    it('does not publish get/accepted for an HTTP get', async () => {
      await svc.update('pet-1', undefined, '{"state":{"reported":{"a":1}}}', { via: 'http' });
      const n = bus.published.length;
      expect((await svc.get('pet-1', undefined, '', { via: 'http' })).ok).toBe(true);
      expect(bus.published).toHaveLength(n);
    });
  });

  describe('Method: quotas', () => {
    it('throttles the 21st request in one second for a thing with 429 and recovers as time passes', async () => {
      const results = [];
      for (let i = 0; i < 21; i++) results.push(await svc.get('pet-1', undefined, '', { via: 'http' }));
      expect(results.slice(0, 20).every((r) => !r.ok && r.code === 404)).toBe(true);
      expect(results[20]).toMatchObject({ ok: false, code: 429 });
      expect(await svc.get('pet-2', undefined, '', { via: 'http' })).toMatchObject({ code: 404 });
      clock += 1000;
      expect(await svc.get('pet-1', undefined, '', { via: 'http' })).toMatchObject({ code: 404 });
    });

    it('rejects an 11th in-flight request on one connection with 429 on update/rejected', async () => {
      const calls = Array.from({ length: 11 }, (_, i) =>
        svc.update('pet-1', undefined, `{"state":{"reported":{"n":${i}}},"clientToken":"t${i}"}`, {
          via: 'mqtt',
          connection: 'pet-1',
        }),
      );
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.ok)).toHaveLength(10);
      expect(results[10]).toMatchObject({ ok: false, code: 429, clientToken: 't10' });
      expect(bus.json(`${P}/update/rejected`)).toEqual([expect.objectContaining({ code: 429, clientToken: 't10' })]);
    });

    it('accepts documents up to a raised 30 KB limit', async () => {
      svc.stop();
      svc = make({ maxDocumentBytes: 30 * 1024 });
      const body = JSON.stringify({ state: { reported: { blob: 'x'.repeat(20_000) } } });
      expect((await svc.update('pet-1', undefined, body, { via: 'http' })).ok).toBe(true);
    });

    it('refuses a document limit above 30 KB', () => {
      expect(() => make({ maxDocumentBytes: 31 * 1024 })).toThrow(expect.objectContaining({ code: 'PP_ERR_CONFIG' }));
    });
  });

  describe('Method: logging and counters', () => {
    it('logs a malformed request with its raw payload and counts it', async () => {
      const lines: Array<Record<string, unknown>> = [];
      const sink = new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
          done();
        },
      });
      svc.stop();
      svc = new ShadowService({ bus, store, logger: pino({ level: 'info' }, sink), now: () => clock });
      svc.start();
      const rej = bus.next(`${P}/update/rejected`);
      await bus.inject(`${P}/update`, '{"state": oops}', { clientId: 'pet-1' });
      await rej;
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 40, component: 'shadow', thing: 'pet-1', op: 'update', code: 400, payload: '{"state": oops}' }),
      );
      await svc.update('pet-1', undefined, '{"state":{}}', { via: 'http' });
      expect(svc.stats()).toEqual({ 'rejected.400': 1, 'accepted.update': 1 });
    });
  });

  describe('Method: persistence', () => {
    it('keeps acknowledged updates across a restart', async () => {
      await svc.update('pet-1', 'pet', '{"state":{"desired":{"mood":"happy"}}}', { via: 'http' });
      await svc.update('pet-1', 'pet', '{"state":{"reported":{"mood":"happy"}}}', { via: 'http' });
      svc.stop();
      store.close();
      store = ShadowStore.open(dir);
      svc = make();
      const r = await svc.get('pet-1', 'pet', '', { via: 'http' });
      expect(r).toMatchObject({ ok: true, body: { version: 2, state: { desired: { mood: 'happy' }, reported: { mood: 'happy' } } } });
      expect(svc.listNamedShadows('pet-1').results).toEqual(['pet']);
    });
  });

  describe('Method: listNamedShadows', () => {
    it('pages through named shadow names with a next token', async () => {
      for (const n of ['c', 'a', 'b']) await svc.update('pet-1', n, '{"state":{}}', { via: 'http' });
      const first = svc.listNamedShadows('pet-1', { pageSize: 2 });
      expect(first.results).toEqual(['a', 'b']);
      expect(first.nextToken).toBeDefined();
      const second = svc.listNamedShadows('pet-1', { pageSize: 2, nextToken: first.nextToken as string });
      expect(second.results).toEqual(['c']);
      expect(second.nextToken).toBeUndefined();
    });
  });
});
