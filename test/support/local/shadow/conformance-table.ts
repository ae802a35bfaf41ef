/**
 * The shadow conformance table, written from AWS's documentation and from moto's
 * AWS-verified iot-data test cases (tests/test_iotdata/test_iotdata.py, marked
 * `aws_verified`: each was run against real AWS IoT Core). Every case runs through
 * both MQTT (device certificate, reserved topics) and HTTP (real data-plane client).
 *
 * Sources:
 *  DOC  https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-document.html
 *  FLOW https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-data-flow.html
 *  ERR  https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-error-messages.html
 *  MOTO moto tests/test_iotdata/test_iotdata.py (aws_verified cases)
 */
import type { ShadowOp } from '../../../../protocol/topics';

/** What a step must answer. */
export type Expectation =
  /** `state` is compared exactly; `match` is a subset match on the whole body */
  | { ok: true; state?: object; version?: number; match?: object }
  | { ok: false; code: number; message?: string };

/** One request in a case. */
export interface Step {
  op: ShadowOp;
  /** named shadow; classic when absent */
  shadow?: string;
  /** object (a clientToken is added on MQTT) or raw text */
  payload?: object | string;
  expect: Expectation;
}

/** A named sequence of steps with its source (doc page or moto case). */
export interface ConformanceCase {
  name: string;
  source: string;
  steps: Step[];
}

const up = (state: object, expect: Expectation, extra: object = {}): Step => ({
  op: 'update',
  payload: { state, ...extra },
  expect,
});
const get = (expect: Expectation, shadow?: string): Step => (shadow ? { op: 'get', shadow, expect } : { op: 'get', expect });
const OK: Expectation = { ok: true };
const NOT_FOUND: Expectation = { ok: false, code: 404 };

/** moto test_delta_calculation: desired then reported, GET state after each. */
const DELTA_ROWS: Array<[string, object, object, object, object]> = [
  ['boolean flip', { desired: { online: true } }, { desired: { online: true }, delta: { online: true } }, { reported: { online: false } }, { desired: { online: true }, reported: { online: false }, delta: { online: true } }],
  ['reported catches up', { desired: { enabled: true } }, { desired: { enabled: true }, delta: { enabled: true } }, { reported: { online: false, enabled: true } }, { desired: { enabled: true }, reported: { online: false, enabled: true } }],
  ['no data', {}, {}, { reported: { online: false } }, { reported: { online: false } }],
  ['missing data', {}, {}, { reported: { online: null } }, {}],
  ['empty desired', { desired: {} }, {}, { reported: { online: false } }, { reported: { online: false } }],
  ['missing key', { desired: { enabled: true } }, { desired: { enabled: true }, delta: { enabled: true } }, { reported: {} }, { desired: { enabled: true }, delta: { enabled: true } }],
  ['changed key', { desired: { enabled: true } }, { desired: { enabled: true }, delta: { enabled: true } }, { reported: { online: true } }, { desired: { enabled: true }, reported: { online: true }, delta: { enabled: true } }],
  ['remove from list', { reported: { list: ['value_1', 'value_2'] } }, { reported: { list: ['value_1', 'value_2'] } }, { desired: { list: ['value_1'] } }, { desired: { list: ['value_1'] }, reported: { list: ['value_1', 'value_2'] }, delta: { list: ['value_1'] } }],
  ['remove and update in list', { reported: { list: ['value_1', 'value_2'] } }, { reported: { list: ['value_1', 'value_2'] } }, { desired: { list: ['value_1', 'value_3'] } }, { desired: { list: ['value_1', 'value_3'] }, reported: { list: ['value_1', 'value_2'] }, delta: { list: ['value_1', 'value_3'] } }],
  ['remove from nested lists', { reported: { list: [['value_1'], ['value_2']] } }, { reported: { list: [['value_1'], ['value_2']] } }, { desired: { list: [['value_1']] } }, { desired: { list: [['value_1']] }, reported: { list: [['value_1'], ['value_2']] }, delta: { list: [['value_1']] } }],
  ['append to nested list', { reported: { a: { b: ['d'] } } }, { reported: { a: { b: ['d'] } } }, { desired: { a: { b: ['c', 'd'] } } }, { delta: { a: { b: ['c', 'd'] } }, desired: { a: { b: ['c', 'd'] } }, reported: { a: { b: ['d'] } } }],
  ['update nested dict', { reported: { a: { b: { c: 'd', e: 'f' } } } }, { reported: { a: { b: { c: 'd', e: 'f' } } } }, { desired: { a: { b: { c: 'd2' } } } }, { delta: { a: { b: { c: 'd2' } } }, desired: { a: { b: { c: 'd2' } } }, reported: { a: { b: { c: 'd', e: 'f' } } } }],
  ['new sibling branch', { reported: { a1: { b1: { c: 'd' } } } }, { reported: { a1: { b1: { c: 'd' } } } }, { desired: { a1: { b1: { c: 'd' } }, a2: { b2: 'sth' } } }, { delta: { a2: { b2: 'sth' } }, desired: { a1: { b1: { c: 'd' } }, a2: { b2: 'sth' } }, reported: { a1: { b1: { c: 'd' } } } }],
  ['new nested sibling', { reported: { a: { b1: { c: 'd' } } } }, { reported: { a: { b1: { c: 'd' } } } }, { desired: { a: { b1: { c: 'd' }, b2: 'sth' } } }, { delta: { a: { b2: 'sth' } }, desired: { a: { b1: { c: 'd' }, b2: 'sth' } }, reported: { a: { b1: { c: 'd' } } } }],
];

/** moto test_update_desired: GET returns the updated desired as-is, and the same as delta. */
const DESIRED_ROWS: Array<[string, object, object]> = [
  ['insert new dicts', { a: 1, b: { c: 3 } }, { a: 1, b: { c: 3 }, d: {} }],
  ['replace a value with an empty dict', { a: 1, b: { c: 3 }, d: {} }, { a: 1, b: { c: {} }, d: {} }],
  ['replace a value with a full dict', { a: 1, b: { c: 3 } }, { a: 1, b: { c: { d: 3 } } }],
];

/** The table, run through MQTT and HTTP by shadow.conformance.test.ts. */
export const CONFORMANCE_CASES: ConformanceCase[] = [
  {
    name: 'creates, reads with delta, deletes, and answers 404 before and after',
    source: 'MOTO test_basic',
    steps: [
      get(NOT_FOUND),
      up({ desired: { led: 'on' } }, { ok: true, state: { desired: { led: 'on' } }, version: 1, match: { metadata: { desired: { led: {} } } } }),
      get({ ok: true, state: { desired: { led: 'on' }, delta: { led: 'on' } }, version: 1 }),
      { op: 'delete', expect: { ok: true, version: 1 } },
      get(NOT_FOUND),
    ],
  },
  {
    name: 'reports state, clears the delta, and rejects a stale version with 409 Version conflict',
    source: 'MOTO test_update',
    steps: [
      up({ desired: { led: 'on' } }, { ok: true, version: 1 }),
      up({ reported: { led: 'on' } }, { ok: true, state: { reported: { led: 'on' } }, version: 2, match: { metadata: { reported: { led: {} } } } }),
      get({ ok: true, state: { desired: { led: 'on' }, reported: { led: 'on' } }, version: 2 }),
      up({ desired: { led: 'on' } }, { ok: false, code: 409, message: 'Version conflict' }, { version: 1 }),
      up({ desired: { led: 'off' } }, { ok: true, version: 3 }, { version: 2 }),
    ],
  },
  {
    name: 'deletes fields set to null and drops the emptied desired section',
    source: 'MOTO test_delete_field_from_device_shadow',
    steps: [
      up({ desired: { state1: 1, state2: 2 } }, OK),
      up({ desired: { state1: null } }, OK),
      get({ ok: true, state: { desired: { state2: 2 }, delta: { state2: 2 } } }),
      up({ desired: { state2: null } }, OK),
      get({ ok: true, state: {} }),
    ],
  },
  {
    name: 'keeps named shadows separate from the classic shadow and deletes one alone',
    source: 'MOTO test_create_named_shadows',
    steps: [
      up({ desired: { name: 'default' } }, { ok: true, state: { desired: { name: 'default' } } }),
      { op: 'update', shadow: 'shadow1', payload: { state: { reported: { name: 'shadow1' } } }, expect: OK },
      { op: 'update', shadow: 'shadow2', payload: { state: { reported: { name: 'shadow2' } } }, expect: OK },
      get({ ok: true, state: { reported: { name: 'shadow1' } } }, 'shadow1'),
      { op: 'delete', shadow: 'shadow2', expect: OK },
      get(NOT_FOUND, 'shadow2'),
      get({ ok: true, state: { desired: { name: 'default' }, delta: { name: 'default' } } }),
      get({ ok: true, version: 1 }, 'shadow1'),
    ],
  },
  ...DELTA_ROWS.map(([name, desired, initial, reported, after]) => ({
    name: `delta calculation: ${name}`,
    source: 'MOTO test_delta_calculation',
    steps: [up(desired, OK), get({ ok: true, state: initial }), up(reported, OK), get({ ok: true, state: after })],
  })),
  ...DESIRED_ROWS.map(([name, initial, updated]) => ({
    name: `desired merge: ${name}`,
    source: 'MOTO test_update_desired',
    steps: [
      up({ desired: initial }, OK),
      up({ desired: updated }, OK),
      get({ ok: true, match: { state: { desired: updated, delta: updated } } }),
    ],
  })),
  {
    name: 'echoes the clientToken on accepted and rejected answers',
    source: 'DOC Client tokens in shadow documents',
    steps: [
      up({ reported: { a: 1 } }, { ok: true, match: { clientToken: 'tok-1' } }, { clientToken: 'tok-1' }),
      up({ reported: { a: 1 } }, { ok: false, code: 409, message: 'Version conflict' }, { clientToken: 'tok-2', version: 9 }),
    ],
  },
  {
    name: 'rejects malformed JSON with 400',
    source: 'ERR 400 Invalid JSON',
    steps: [{ op: 'update', payload: '{"state": {"desired": ', expect: { ok: false, code: 400, message: 'Invalid JSON' } }, get(NOT_FOUND)],
  },
  {
    name: 'rejects a request without state with 400 Missing required node: state',
    source: 'ERR 400',
    steps: [{ op: 'update', payload: { nostate: true }, expect: { ok: false, code: 400, message: 'Missing required node: state' } }],
  },
  {
    name: 'rejects desired that is not an object',
    source: 'ERR 400',
    steps: [up({ desired: 'on' } as object, { ok: false, code: 400, message: 'Desired node must be an object' })],
  },
  {
    name: 'rejects a clientToken longer than 64 bytes',
    source: 'ERR 400 Invalid clientToken',
    steps: [up({ reported: { a: 1 } }, { ok: false, code: 400, message: 'Invalid clientToken' }, { clientToken: 'x'.repeat(65) })],
  },
  {
    name: 'rejects nesting deeper than 6 levels',
    source: 'ERR 400 JSON contains too many levels of nesting; maximum is 6',
    steps: [
      up({ reported: { l1: { l2: { l3: { l4: { l5: { l6: { l7: 1 } } } } } } } }, {
        ok: false,
        code: 400,
        message: 'JSON contains too many levels of nesting; maximum is 6',
      }),
    ],
  },
  {
    name: 'rejects null inside an array',
    source: 'DOC Array values in shadow documents',
    steps: [up({ reported: { list: [1, null, 2] } }, { ok: false, code: 400 }), get(NOT_FOUND)],
  },
  {
    name: 'rejects a document over 8 KB with 413',
    source: 'ERR 413 / service quotas: shadow document size 8 KB',
    steps: [up({ reported: { blob: 'x'.repeat(8300) } }, { ok: false, code: 413 }), get(NOT_FOUND)],
  },
  {
    name: 'continues the version when a deleted shadow is created again',
    source: 'FLOW DELETE',
    steps: [
      up({ reported: { a: 1 } }, { ok: true, version: 1 }),
      up({ reported: { a: 2 } }, { ok: true, version: 2 }),
      { op: 'delete', expect: { ok: true, version: 2 } },
      { op: 'delete', expect: NOT_FOUND },
      up({ reported: { a: 3 } }, { ok: true, version: 3, state: { reported: { a: 3 } } }),
      get({ ok: true, state: { reported: { a: 3 } }, version: 3 }),
    ],
  },
  {
    name: "merges a partial desired color into the delta of the data-flow page's example",
    source: 'FLOW Updating a shadow (color r,g,b / engine)',
    steps: [
      up({ reported: { color: { r: 255, g: 255, b: 0 } } }, OK),
      up({ desired: { color: { r: 10 }, engine: 'ON' } }, { ok: true, state: { desired: { color: { r: 10 }, engine: 'ON' } }, version: 2 }),
      get({
        ok: true,
        state: {
          desired: { color: { r: 10 }, engine: 'ON' },
          reported: { color: { r: 255, g: 255, b: 0 } },
          delta: { color: { r: 10 }, engine: 'ON' },
        },
        match: { metadata: { desired: { color: { r: {} }, engine: {} }, reported: { color: { r: {}, g: {}, b: {} } } } },
      }),
      up({ reported: { color: { r: 10 }, engine: 'ON' } }, OK),
      get({
        ok: true,
        state: { desired: { color: { r: 10 }, engine: 'ON' }, reported: { color: { r: 10, g: 255, b: 0 }, engine: 'ON' } },
        version: 3,
      }),
    ],
  },
  {
    name: 'removes the whole desired section when desired is null',
    source: 'FLOW Deleting shadow data',
    steps: [
      up({ desired: { a: 1, b: 2 }, reported: { a: 1 } }, OK),
      up({ desired: null } as object, OK),
      get({ ok: true, state: { reported: { a: 1 } } }),
    ],
  },
];
