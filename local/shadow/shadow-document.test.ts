import { describe, expect, it } from 'vitest';
import { cloneJson, type JsonObject, type JsonValue } from './json-tree';
import {
  applyUpdate,
  decodePayload,
  getDocument,
  MESSAGES,
  parseSimpleRequest,
  rejectionDocument,
  type StoredShadow,
  type UpdateOutcome,
  type UpdateSuccess,
} from './shadow-document';

const T0 = 1_700_000_000_000;
const S0 = T0 / 1000;

function ok(r: UpdateOutcome): UpdateSuccess {
  if (!r.ok) throw new Error(`expected success, got ${r.code} ${r.message}`);
  return r;
}

/** Applies a sequence of updates from nothing, one second apart. */
function run(...reqs: unknown[]): StoredShadow {
  let cur: StoredShadow | undefined;
  reqs.forEach((req, i) => {
    cur = ok(applyUpdate(cur, req, T0 + i * 1000)).next;
  });
  if (!cur) throw new Error('no updates');
  return cur;
}

describe('Function: applyUpdate', () => {
  describe('creation and accepted document', () => {
    it('creates a shadow at version 1 and echoes the fields sent with their metadata', () => {
      const r = ok(applyUpdate(undefined, { state: { desired: { led: 'on' } }, clientToken: 'c1' }, T0));
      expect(r.accepted).toEqual({
        state: { desired: { led: 'on' } },
        metadata: { desired: { led: { timestamp: S0 } } },
        version: 1,
        timestamp: S0,
        clientToken: 'c1',
      });
      expect(r.next.version).toBe(1);
    });

    it('publishes documents with previous null on first creation and current with state, metadata, version', () => {
      const r = ok(applyUpdate(undefined, { state: { reported: { a: 1 } }, clientToken: 'tok' }, T0));
      expect(r.documents).toEqual({
        previous: null,
        current: { state: { reported: { a: 1 } }, metadata: { reported: { a: { timestamp: S0 } } }, version: 1 },
        timestamp: S0,
        clientToken: 'tok',
      });
    });

    it('carries the previous snapshot in documents on later updates', () => {
      const first = run({ state: { desired: { a: 1 } } });
      const r = ok(applyUpdate(first, { state: { desired: { a: 2 } } }, T0 + 5000));
      expect(r.documents.previous).toEqual({
        state: { desired: { a: 1 } },
        metadata: { desired: { a: { timestamp: S0 } } },
        version: 1,
      });
      expect((r.documents.current as { version: number }).version).toBe(2);
    });

    it('builds accepted and documents when read, still describing their own update after later ones', () => {
      const first = ok(applyUpdate(undefined, { state: { desired: { a: 1, n: { x: 1 } } }, clientToken: 't1' }, T0));
      const second = ok(applyUpdate(first.next, { state: { desired: { a: 2, n: { x: null, y: 2 } } }, clientToken: 't2' }, T0 + 1000));
      ok(applyUpdate(second.next, { state: { desired: null } }, T0 + 2000));
      // read only now, after two more updates
      expect(second.accepted).toEqual({
        state: { desired: { a: 2, n: { x: null, y: 2 } } },
        metadata: { desired: { a: { timestamp: S0 + 1 }, n: { x: { timestamp: S0 + 1 }, y: { timestamp: S0 + 1 } } } },
        version: 2,
        timestamp: S0 + 1,
        clientToken: 't2',
      });
      expect(second.documents).toEqual({
        previous: { state: { desired: { a: 1, n: { x: 1 } } }, metadata: { desired: { a: { timestamp: S0 }, n: { x: { timestamp: S0 } } } }, version: 1 },
        current: {
          state: { desired: { a: 2, n: { y: 2 } } },
          metadata: { desired: { a: { timestamp: S0 + 1 }, n: { y: { timestamp: S0 + 1 } } } },
          version: 2,
        },
        timestamp: S0 + 1,
        clientToken: 't2',
      });
      // one body per update, however often it is read
      expect(second.accepted).toBe(second.accepted);
      expect(second.documents).toBe(second.documents);
    });

    it('increments the version on every accepted update, even one that changes nothing', () => {
      const s = run({ state: { reported: { a: 1 } } }, { state: { reported: { a: 1 } } }, { state: {} });
      expect(s.version).toBe(3);
    });

    it('continues from the base version when re-creating a deleted shadow', () => {
      const r = ok(applyUpdate(undefined, { state: { desired: { a: 1 } } }, T0, { baseVersion: 7 }));
      expect(r.next.version).toBe(8);
      expect(r.documents.previous).toBeNull();
    });
  });

  describe('merge and null deletion', () => {
    it('affects only the fields specified and merges nested objects', () => {
      const s = run({ state: { reported: { color: { r: 255, g: 255, b: 0 } } } }, { state: { reported: { color: { r: 10 } } } });
      expect(s.state.reported).toEqual({ color: { r: 10, g: 255, b: 0 } });
    });

    it('deletes a key set to null and keeps the others', () => {
      const s = run({ state: { desired: { state1: 1, state2: 2 } } }, { state: { desired: { state1: null } } });
      expect(s.state.desired).toEqual({ state2: 2 });
      expect(s.metadata.desired).toEqual({ state2: { timestamp: S0 } });
    });

    it('omits a section once its last key is deleted', () => {
      const s = run({ state: { desired: { a: 1 } } }, { state: { desired: { a: null } } });
      expect(getDocument(s, T0).state).toEqual({});
    });

    it('removes the whole section when it is set to null', () => {
      const s = run({ state: { desired: { a: 1 }, reported: { a: 2 } } }, { state: { desired: null } });
      expect(s.state).toEqual({ reported: { a: 2 } });
      expect(s.metadata.desired).toBeUndefined();
    });

    it('clears desired and reported when state is null but keeps the shadow', () => {
      const s = run({ state: { desired: { a: 1 }, reported: { a: 2 } } }, { state: null });
      expect(s.state).toEqual({});
      expect(s.version).toBe(2);
    });

    it('replaces arrays as whole values with per-element metadata', () => {
      const s = run({ state: { reported: { list: ['a', 'b', 'c'] } } }, { state: { reported: { list: ['x'] } } });
      expect(s.state.reported).toEqual({ list: ['x'] });
      expect(s.metadata.reported).toEqual({ list: [{ timestamp: S0 + 1 }] });
    });

    it('stores an explicitly sent empty object as a value', () => {
      const s = run({ state: { desired: { a: 1, b: { c: 3 } } } }, { state: { desired: { d: {}, b: { c: {} } } } });
      expect(s.state.desired).toEqual({ a: 1, b: { c: {} }, d: {} });
    });

    it('echoes nulls in the accepted document with metadata for them', () => {
      const first = run({ state: { desired: { a: 1 } } });
      const r = ok(applyUpdate(first, { state: { desired: { a: null } } }, T0 + 2000));
      expect(r.accepted.state).toEqual({ desired: { a: null } });
      expect(r.accepted.metadata).toEqual({ desired: { a: { timestamp: S0 + 2 } } });
    });

    it('refreshes only the metadata of leaves that were updated', () => {
      const s = run({ state: { reported: { a: 1, b: { c: 1, d: 1 } } } }, { state: { reported: { b: { c: 2 } } } });
      expect(s.metadata.reported).toEqual({ a: { timestamp: S0 }, b: { c: { timestamp: S0 + 1 }, d: { timestamp: S0 } } });
    });
  });

  describe('delta', () => {
    it('publishes the delta of desired keys that differ from reported, with desired metadata and version', () => {
      const first = run({ state: { reported: { color: 'red', mode: 'auto' } } });
      const r = ok(applyUpdate(first, { state: { desired: { color: 'green', mode: 'auto' } }, clientToken: 'k' }, T0 + 3000));
      expect(r.delta).toEqual({
        state: { color: 'green' },
        metadata: { color: { timestamp: S0 + 3 } },
        version: 2,
        timestamp: S0 + 3,
        clientToken: 'k',
      });
    });

    it('keeps nested paths from the root and leaves out equal siblings', () => {
      const first = run({ state: { reported: { a: { b: { c: 'd', e: 'f' } } } } });
      const r = ok(applyUpdate(first, { state: { desired: { a: { b: { c: 'd2', e: 'f' } } } } }, T0 + 1000));
      expect(r.delta?.state).toEqual({ a: { b: { c: 'd2' } } });
      expect(r.delta?.metadata).toEqual({ a: { b: { c: { timestamp: S0 + 1 } } } });
    });

    it('compares arrays as whole values', () => {
      const first = run({ state: { reported: { list: ['value_1', 'value_2'] } } });
      const r = ok(applyUpdate(first, { state: { desired: { list: ['value_1'] } } }, T0 + 1000));
      expect(r.delta?.state).toEqual({ list: ['value_1'] });
    });

    it('sends no delta when reported catches up with desired', () => {
      const first = run({ state: { desired: { enabled: true } } });
      const r = ok(applyUpdate(first, { state: { reported: { online: false, enabled: true } } }, T0 + 1000));
      expect(r.delta).toBeUndefined();
    });

    it('never lists a reported-only key in the delta', () => {
      const first = run({ state: { desired: { a: 1 } } });
      const r = ok(applyUpdate(first, { state: { reported: { b: 2 } } }, T0 + 1000));
      expect(r.delta?.state).toEqual({ a: 1 });
    });

    it('includes the delta in the get document only when non-empty', () => {
      expect(getDocument(run({ state: { desired: { led: 'on' } } }), T0).state).toEqual({
        desired: { led: 'on' },
        delta: { led: 'on' },
      });
      expect(getDocument(run({ state: { desired: { led: 'on' }, reported: { led: 'on' } } }), T0).state).toEqual({
        desired: { led: 'on' },
        reported: { led: 'on' },
      });
    });
  });

  describe('rejections', () => {
    const cases: Array<[string, unknown, number, string]> = [
      ['a request without state', { clientToken: 'x' }, 400, MESSAGES.missingState],
      ['a state that is not an object', { state: 5 }, 400, MESSAGES.stateNotObject],
      ['a desired section that is not an object', { state: { desired: [1] } }, 400, MESSAGES.desiredNotObject],
      ['a reported section that is not an object', { state: { reported: 'x' } }, 400, MESSAGES.reportedNotObject],
      ['an unknown node inside state', { state: { delta: {} } }, 400, "State contains an invalid node: 'delta'"],
      ['a version that is not an integer', { state: {}, version: 'one' }, 400, MESSAGES.invalidVersion],
      ['a clientToken longer than 64 bytes', { state: {}, clientToken: 'x'.repeat(65) }, 400, MESSAGES.invalidClientToken],
      ['a null inside an array', { state: { desired: { list: [1, null] } } }, 400, 'State contains an invalid node: null inside an array in desired'],
      ['a request that is a JSON array', [1, 2], 400, MESSAGES.invalidJson],
    ];
    for (const [what, req, code, message] of cases) {
      it(`rejects ${what} with ${code}`, () => {
        const r = applyUpdate(undefined, req, T0);
        expect(r).toMatchObject({ ok: false, code, message });
      });
    }

    it('rejects a __proto__ key without touching Object.prototype', () => {
      const req = JSON.parse('{"state":{"desired":{"__proto__":{"polluted":1}}}}') as unknown;
      expect(applyUpdate(undefined, req, T0)).toMatchObject({ ok: false, code: 400 });
      const s = run({ state: { desired: { a: 1 } } });
      expect(applyUpdate(s, req, T0)).toMatchObject({ ok: false, code: 400 });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('rejects a number JSON cannot round-trip', () => {
      const req = JSON.parse('{"state":{"reported":{"big":1e400}}}') as unknown;
      expect(applyUpdate(undefined, req, T0)).toMatchObject({ ok: false, code: 400 });
    });

    it('treats keys named like Object members as ordinary keys', () => {
      const s = run({ state: { desired: { constructor: 1, toString: 'x' }, reported: { toString: 'x' } } });
      expect(getDocument(s, T0).state).toMatchObject({ delta: { constructor: 1 } });
    });

    it('rejects nesting deeper than 6 levels and accepts exactly 6', () => {
      const six = { a: { b: { c: { d: { e: { f: 1 } } } } } };
      expect(applyUpdate(undefined, { state: { desired: six } }, T0).ok).toBe(true);
      const seven = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
      expect(applyUpdate(undefined, { state: { desired: seven } }, T0)).toMatchObject({
        ok: false,
        code: 400,
        message: 'JSON contains too many levels of nesting; maximum is 6',
      });
    });

    it('answers a document nested 5,000 or 100,000 levels deep exactly as one nested 7 levels deep', () => {
      const nested = (depth: number, leaf: string) => `${'{"k":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
      for (const depth of [7, 5000, 100_000]) {
        const deep = (extra: string, leaf = '1') => {
          const d = decodePayload(`{"clientToken":"t"${extra},"state":{"reported":${nested(depth, leaf)}}}`);
          if (!d.ok) throw new Error('payload did not decode');
          return applyUpdate(undefined, d.value, T0);
        };
        expect(deep('')).toEqual({ ok: false, code: 400, message: 'JSON contains too many levels of nesting; maximum is 6', clientToken: 't' });
        // the checks AWS makes first keep their precedence at any depth
        expect(deep(',"version":-1')).toMatchObject({ code: 400, message: MESSAGES.invalidVersion });
        expect(deep('', '[1,null]')).toMatchObject({ code: 400, message: 'State contains an invalid node: null inside an array in reported' });
      }
    });

    it('rejects a stale version with 409 Version conflict and echoes the clientToken', () => {
      const s = run({ state: { desired: { a: 1 } } }, { state: { desired: { a: 2 } } });
      expect(applyUpdate(s, { state: { desired: { a: 3 } }, version: 1, clientToken: 't' }, T0)).toEqual({
        ok: false,
        code: 409,
        message: MESSAGES.versionConflict,
        clientToken: 't',
      });
      expect(applyUpdate(s, { state: { desired: { a: 3 } }, version: 2 }, T0).ok).toBe(true);
    });

    it('rejects a document over 8 KB with 413 and accepts it under a raised 30 KB limit', () => {
      const big = { state: { reported: { blob: 'x'.repeat(9000) } } };
      expect(applyUpdate(undefined, big, T0)).toMatchObject({ ok: false, code: 413, message: MESSAGES.tooLarge });
      expect(applyUpdate(undefined, big, T0, { limits: { maxDocumentBytes: 30 * 1024, maxDepth: 6 } }).ok).toBe(true);
    });

    it('rejects an update whose merge result would exceed the size limit', () => {
      const s = run({ state: { reported: { a: 'x'.repeat(5000) } } });
      expect(applyUpdate(s, { state: { desired: { b: 'y'.repeat(5000) } } }, T0)).toMatchObject({ ok: false, code: 413 });
    });

    it('builds rejection documents with code, message, timestamp and clientToken', () => {
      expect(rejectionDocument({ code: 409, message: 'Version conflict', clientToken: 'c' }, T0)).toEqual({
        code: 409,
        message: 'Version conflict',
        timestamp: S0,
        clientToken: 'c',
      });
    });
  });
});

describe('Function: decodePayload', () => {
  it('rejects malformed JSON with 400 Invalid JSON', () => {
    expect(decodePayload('{"state":')).toEqual({ ok: false, code: 400, message: MESSAGES.invalidJson });
  });

  it('rejects bytes that are not UTF-8 with 415', () => {
    expect(decodePayload(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toMatchObject({ ok: false, code: 415 });
  });

  it('treats an empty payload as no request body', () => {
    expect(decodePayload(Buffer.alloc(0))).toEqual({ ok: true, value: undefined });
  });
});

describe('Function: parseSimpleRequest', () => {
  it('accepts a get or delete body carrying only a clientToken', () => {
    expect(parseSimpleRequest({ clientToken: 'abc' })).toEqual({ ok: true, clientToken: 'abc' });
  });

  it('rejects an oversized clientToken', () => {
    expect(parseSimpleRequest({ clientToken: 'é'.repeat(33) })).toMatchObject({ ok: false, code: 400 });
  });
});

describe('Function: cloneJson', () => {
  it('returns an equal copy that shares no object or array with the original', () => {
    const src = JSON.parse('{"a":{"b":[1,{"c":"x"}],"n":null},"t":true}') as JsonObject;
    const copy = cloneJson(src);
    expect(copy).toEqual(src);
    ((copy.a as JsonObject).b as JsonValue[]).push(2);
    (((copy.a as JsonObject).b as JsonValue[])[1] as JsonObject).c = 'y';
    expect(src).toEqual(JSON.parse('{"a":{"b":[1,{"c":"x"}],"n":null},"t":true}'));
  });

  it('keeps an own __proto__ key as data instead of changing the prototype', () => {
    const src = JSON.parse('{"__proto__":{"polluted":1},"k":2}') as JsonObject;
    const copy = cloneJson(src);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'k']);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":1},"k":2}');
  });
});
