/**
 * IoT SQL conformance table, written from the examples on AWS's IoT SQL
 * reference pages (plus a few scenarios the AWS IoT builder team validated
 * against IoT Core). Each case names the page (and anchor) it comes from; cases
 * marked `derived` apply a rule stated in the page's table rather than a
 * printed example. Used by the pure evaluator test and by the real-stack test
 * (rules created with @aws-sdk/client-iot, republish, MQTT subscriber).
 */
import type { JsonValue } from './values';

const DOCS = 'https://docs.aws.amazon.com/iot/latest/developerguide/';

export type Expectation =
  /** the republished payload, parsed as JSON */
  | { json: JsonValue }
  /** the exact republished bytes (UTF-8) */
  | { raw: string }
  /** the rule does not fire (FROM does not match or WHERE is not true) */
  | { none: true }
  /** a payload that satisfies the predicate (non-deterministic functions) */
  | { satisfies: (v: JsonValue) => boolean; description: string };

export interface ConformanceCase {
  page: string;
  title: string;
  sql: string;
  topic: string;
  /** a JSON value, or `{ raw }` for a non-JSON payload */
  payload: JsonValue | { raw: string };
  /** MQTT client id of the publisher; cases that use clientid() set it */
  clientId?: string;
  expect: Expectation;
  derived?: boolean;
}

const COLOR = { color: 'red', temperature: 50 };
const SELECT = `${DOCS}iot-sql-select.html`;
const FROM = `${DOCS}iot-sql-from.html`;
const WHERE = `${DOCS}iot-sql-where.html`;
const TYPES = `${DOCS}iot-sql-data-types.html`;
const OPS = `${DOCS}iot-sql-operators.html`;
const FNS = `${DOCS}iot-sql-functions.html`;
const VALIDATED = 'https://github.com/aws-iot-builder-tools/validation-tool-for-aws-iot-rules/blob/main/validation/validation-data/';

/** One function example from iot-sql-functions: `SELECT VALUE <expr> FROM 'a/b'` republishes the value. */
function fn(anchor: string, expr: string, value: JsonValue): ConformanceCase {
  return {
    page: `${FNS}#${anchor}`,
    title: `${expr} = ${JSON.stringify(value)}`,
    sql: `SELECT VALUE ${expr} FROM 'fn/x'`,
    topic: 'fn/x',
    payload: {},
    expect: { json: value },
  };
}

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  // --- SELECT ---
  { page: SELECT, title: 'SELECT * republishes the whole payload', sql: "SELECT * FROM 'a/b'", topic: 'a/b', payload: COLOR, expect: { json: COLOR } },
  { page: SELECT, title: 'SELECT color keeps one key', sql: "SELECT color FROM 'a/b'", topic: 'a/b', payload: COLOR, expect: { json: { color: 'red' } } },
  { page: SELECT, title: 'AS renames a key', sql: "SELECT color AS my_color FROM 'a/b'", topic: 'a/b', payload: COLOR, expect: { json: { my_color: 'red' } } },
  {
    page: SELECT,
    title: 'several items separated by commas',
    sql: "SELECT color as my_color, temperature as fahrenheit FROM 'a/b'",
    topic: 'a/b',
    payload: COLOR,
    expect: { json: { my_color: 'red', fahrenheit: 50 } },
  },
  { page: SELECT, title: '* plus an extra item adds a key', sql: "SELECT *, 15 as speed FROM 'a/b'", topic: 'a/b', payload: COLOR, expect: { json: { color: 'red', temperature: 50, speed: 15 } } },
  { page: SELECT, title: 'SELECT VALUE produces a non-object payload', sql: "SELECT VALUE color FROM 'a/b'", topic: 'a/b', payload: COLOR, expect: { json: 'red' } },
  {
    page: SELECT,
    title: "'.' drills into nested objects",
    sql: "SELECT color.red as red_value FROM 'a/b'",
    topic: 'a/b',
    payload: { color: { red: 255, green: 0, blue: 0 }, temperature: 50 },
    expect: { json: { red_value: 255 } },
  },
  {
    page: SELECT,
    title: 'arithmetic with grouping and a function',
    sql: "SELECT (temperature - 32) * 5 / 9 AS celsius, upper(color) as my_color FROM 'a/b'",
    topic: 'a/b',
    payload: COLOR,
    expect: { json: { celsius: 10, my_color: 'RED' } },
  },
  { page: `${SELECT}#binary-payloads`, title: 'SELECT * passes a binary payload through unchanged', sql: "SELECT * FROM 'a/b'", topic: 'a/b', payload: { raw: 'not json \u0001\u0002' }, expect: { raw: 'not json \u0001\u0002' } },
  {
    page: `${SELECT}#binary-payloads`,
    title: 'encode(*, base64) wraps a binary payload in JSON',
    sql: "SELECT encode(*, 'base64') AS data FROM 'my_topic'",
    topic: 'my_topic',
    payload: { raw: 'bin\u0000ary' },
    expect: { json: { data: Buffer.from('bin\u0000ary').toString('base64') } },
  },
  // --- FROM ---
  { page: FROM, title: "'a/b' does not match 'a/c'", sql: "SELECT temperature AS t FROM 'a/b'", topic: 'a/c', payload: { temperature: 50 }, expect: { none: true } },
  { page: FROM, title: "'#' matches several levels", sql: "SELECT temperature AS t FROM 'a/#'", topic: 'a/e/f', payload: { temperature: 70 }, expect: { json: { t: 70 } } },
  { page: FROM, title: "'#' does not match another root", sql: "SELECT temperature AS t FROM 'a/#'", topic: 'b/x', payload: { temperature: 80 }, expect: { none: true } },
  { page: FROM, title: "'+' matches one level", sql: "SELECT temperature AS t FROM 'a/+'", topic: 'a/c', payload: { temperature: 60 }, expect: { json: { t: 60 } } },
  { page: FROM, title: "'+' does not match two levels", sql: "SELECT temperature AS t FROM 'a/+'", topic: 'a/e/f', payload: { temperature: 70 }, expect: { none: true } },
  // --- WHERE ---
  {
    page: WHERE,
    title: 'a false WHERE means no outgoing payload',
    sql: "SELECT color AS my_color FROM 'a/b' WHERE temperature > 50 AND color <> 'red'",
    topic: 'a/b',
    payload: { color: 'red', temperature: 40 },
    expect: { none: true },
  },
  {
    page: WHERE,
    title: 'a true WHERE runs the actions',
    sql: "SELECT color AS my_color FROM 'a/b' WHERE temperature > 50 AND color <> 'red'",
    topic: 'a/b',
    payload: { color: 'blue', temperature: 60 },
    expect: { json: { my_color: 'blue' } },
    derived: true,
  },
  // --- Data types: Undefined vs Null ---
  { page: TYPES, title: 'a null key is kept, a missing key is dropped', sql: "SELECT foo, bar FROM 'a/b'", topic: 'a/b', payload: { foo: null }, expect: { json: { foo: null } } },
  { page: TYPES, title: 'NULL literal creates a Null value', sql: "SELECT NULL AS n FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: { n: null } } },
  { page: TYPES, title: 'Undefined serialized by itself is the empty string', sql: "SELECT VALUE bar FROM 'a/b'", topic: 'a/b', payload: { foo: null }, expect: { raw: '' } },
  { page: `${TYPES}#iot-sql-conversions`, title: "abs('-5.123') converts the String to Decimal", sql: "SELECT abs('-5.123') AS a FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: { a: 5.123 } } },
  { page: TYPES, title: 'a comparison with a missing key is Undefined, not true', sql: "SELECT * FROM 'a/b' WHERE missing > 5", topic: 'a/b', payload: { x: 1 }, expect: { none: true }, derived: true },
  { page: TYPES, title: 'NOT of an Undefined comparison is still not true', sql: "SELECT * FROM 'a/b' WHERE NOT (missing > 5)", topic: 'a/b', payload: { x: 1 }, expect: { none: true }, derived: true },
  // --- Operators (each from the operator's table) ---
  { page: `${OPS}#iot-sql-operators-plus`, title: 'String + Int concatenates', sql: "SELECT 'a' + 1 AS s FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: { s: 'a1' } }, derived: true },
  { page: `${OPS}#iot-sql-operators-plus`, title: 'Int + Int is Int, Decimal + Int is Decimal', sql: "SELECT 3 + 4 AS i, 1.5 + 1 AS d FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: { i: 7, d: 2.5 } }, derived: true },
  {
    page: `${TYPES}`,
    title: 'Decimal arithmetic is decimal, not binary floating point (34-digit Decimal)',
    sql: "SELECT 0.1 + 0.2 AS s, 1.1 * 1.1 AS p, t - 32 AS d FROM 'a/b'",
    topic: 'a/b',
    payload: { t: 54.98 },
    expect: { json: { s: 0.3, p: 1.21, d: 22.98 } },
    derived: true,
  },
  { page: `${OPS}#iot-sql-operators-greater`, title: 'numeric Strings compare as Decimals', sql: "SELECT '10' > '9' AS g FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: { g: true } }, derived: true },
  { page: `${OPS}#iot-sql-operators-greater`, title: 'a non-numeric String comparison is Undefined', sql: "SELECT 'abc' > 1 AS g FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: {} }, derived: true },
  { page: `${OPS}#iot-sql-operators-eq`, title: 'mismatched types are not equal', sql: "SELECT 5 = '5' AS e FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: { e: false } }, derived: true },
  { page: `${OPS}#iot-sql-operators-eq`, title: '= with Undefined is Undefined (key dropped)', sql: "SELECT missing = 1 AS e FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: {} }, derived: true },
  {
    page: `${OPS}#iot-sql-operators-eq`,
    title: 'arrays compare in order, objects regardless of key order',
    sql: "SELECT [1, 2] = [1, 2] AS a, [1, 2] = [2, 1] AS b, {'x': 1, 'y': 2} = {'y': 2, 'x': 1} AS o FROM 'a/b'",
    topic: 'a/b',
    payload: {},
    expect: { json: { a: true, b: false, o: true } },
    derived: true,
  },
  { page: `${OPS}#iot-sql-operators-div`, title: 'Int / Int is Int; % is the remainder; numeric String * Int', sql: "SELECT 7 / 2 AS q, 7 % 3 AS r, '6' * 2 AS m FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: { q: 3, r: 1, m: 12 } }, derived: true },
  { page: `${OPS}#iot-sql-operators-and`, title: "'true'/'false' Strings act as Booleans in AND/NOT", sql: "SELECT true AND 'TRUE' AS a, NOT 'false' AS n FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: { a: true, n: true } }, derived: true },
  { page: `${OPS}#iot-sql-operators-and`, title: 'AND with a non-Boolean is Undefined', sql: "SELECT true AND 5 AS a FROM 'a/b'", topic: 'a/b', payload: {}, expect: { json: {} }, derived: true },
  // --- Functions (examples printed on iot-sql-functions) ---
  fn('iot-func-abs', 'abs(-5)', 5),
  fn('iot-func-ceil', 'ceil(1.2)', 2),
  fn('iot-func-ceil', 'ceil(-1.2)', -1),
  fn('iot-func-floor', 'floor(1.2)', 1),
  fn('iot-func-floor', 'floor(-1.2)', -2),
  fn('iot-func-round', 'round(1.2)', 1),
  fn('iot-func-round', 'round(1.5)', 2),
  fn('iot-func-round', 'round(1.7)', 2),
  fn('iot-func-round', 'round(-1.1)', -1),
  fn('iot-func-round', 'round(-1.5)', -2),
  fn('iot-func-lower', 'lower("HELLO")', 'hello'),
  fn('iot-func-lower', 'lower(["HELLO"])', '["hello"]'),
  fn('iot-sql-function-upper', 'upper("hello")', 'HELLO'),
  fn('iot-sql-function-upper', 'upper(["hello"])', '["HELLO"]'),
  fn('iot-func-concat', 'concat(1)', '1'),
  fn('iot-func-concat', 'concat([1, 2, 3], 4)', [1, 2, 3, 4]),
  fn('iot-func-concat', 'concat([1, 2, 3], "hello")', [1, 2, 3, 'hello']),
  fn('iot-func-concat', 'concat("con", "cat")', 'concat'),
  fn('iot-func-concat', 'concat(1, "hello")', '1hello'),
  fn('iot-func-concat', 'concat("he","is","man")', 'heisman'),
  fn('iot-func-concat', 'concat([1, 2, 3], "hello", [4, 5, 6])', [1, 2, 3, 'hello', 4, 5, 6]),
  fn('iot-sql-function-get', 'get(["a", "b", "c"], 1)', 'b'),
  fn('iot-sql-function-get', 'get({"a":"b"}, "a")', 'b'),
  // The page prints "a" here, contradicting its own table (0-based index); the table wins.
  fn('iot-sql-function-get', 'get("abc", 1)', 'b'),
  fn('iot-sql-function-isNull', 'isNull(5)', false),
  fn('iot-sql-function-isNull', 'isNull(Null)', true),
  fn('iot-sql-function-isUndefined', 'isUndefined(5)', false),
  fn('iot-sql-function-isUndefined', 'isUndefined(floor([1,2,3]))', true),
  fn('iot-func-substring', 'substring("012345", 0)', '012345'),
  fn('iot-func-substring', 'substring("012345", 2)', '2345'),
  fn('iot-func-substring', 'substring("012345", 2.745)', '2345'),
  fn('iot-func-substring', 'substring(123, 2)', '3'),
  fn('iot-func-substring', 'substring("012345", -1)', '012345'),
  fn('iot-func-substring', 'substring(true, 1.2)', 'rue'),
  fn('iot-func-substring', 'substring(false, -2.411E247)', 'false'),
  fn('iot-func-substring', 'substring("012345", 1, 3)', '12'),
  fn('iot-func-substring', 'substring("012345", -50, 50)', '012345'),
  fn('iot-func-substring', 'substring("012345", 3, 1)', ''),
  fn('iot-func-startswith', 'startswith("ranger","ran")', true),
  fn('iot-func-endswith', 'endswith("cat","at")', true),
  fn('iot-sql-function-indexof', 'indexof("abcd", "bc")', 1),
  fn('iot-func-replace', 'replace("abcd", "bc", "x")', 'axd'),
  fn('iot-func-replace', 'replace("abcdabcd", "b", "x")', 'axcdaxcd'),
  fn('iot-sql-function-length', 'length("hi")', 2),
  fn('iot-sql-function-length', 'length(false)', 5),
  fn('iot-sql-function-numbytes', 'numbytes("hi")', 2),
  fn('iot-sql-function-numbytes', 'numbytes("€")', 3),
  fn('iot-func-trim', 'trim(" hi ")', 'hi'),
  // The page prints "hi " here; only leading white space goes, as its own table says.
  fn('iot-func-ltrim', 'ltrim(" h i ")', 'h i '),
  fn('iot-func-rtrim', 'rtrim(" h i ")', ' h i'),
  fn('iot-func-sign', 'sign(-7)', -1),
  fn('iot-func-sign', 'sign(0)', 0),
  fn('iot-func-sign', 'sign(13)', 1),
  fn('iot-func-mod', 'mod(8, 3)', 2),
  fn('iot-func-remainder', 'remainder(8, 3)', 2),
  fn('iot-func-power', 'power(2, 5)', 32),
  fn('iot-func-sqrt', 'sqrt(9)', 3),
  fn('iot-func-log', 'log(100)', 2),
  fn('iot-func-nanvl', 'nanvl(8, 3)', 8),
  fn('iot-sql-function-hash', 'md5("hello")', '5d41402abc4b2a76b9719d911017c592'),
  fn('iot-sql-function-sql-version', 'sql_version()', '2016-03-23'),
  fn('iot-sql-function-cast', 'cast(true as Int)', 1),
  fn('iot-sql-function-cast', "cast('12.5' as Decimal)", 12.5),
  fn('iot-sql-function-cast', "cast(0 as Boolean)", false),
  fn('iot-sql-function-cast', 'cast(42 as String)', '42'),
  {
    page: `${FNS}#iot-function-topic`,
    title: 'topic() and topic(1)',
    sql: "SELECT topic() AS t, topic(1) AS t1, topic(3) AS t3 FROM 'things/+/+'",
    topic: 'things/myThings/thingOne',
    payload: {},
    expect: { json: { t: 'things/myThings/thingOne', t1: 'things', t3: 'thingOne' } },
  },
  {
    page: `${FNS}#iot-sql-function-clientid`,
    title: 'clientid() is the MQTT client id of the publisher',
    sql: "SELECT clientid() AS c FROM 'a/b'",
    topic: 'a/b',
    payload: {},
    clientId: 'conformance-client',
    expect: { json: { c: 'conformance-client' } },
  },
  {
    page: `${FNS}#iot-function-timestamp`,
    title: 'timestamp() is epoch milliseconds',
    sql: "SELECT timestamp() AS ts FROM 'a/b'",
    topic: 'a/b',
    payload: {},
    expect: { satisfies: (v) => typeof (v as { ts?: unknown }).ts === 'number' && Math.abs((v as { ts: number }).ts - Date.now()) < 600_000, description: '{ts: now in ms}' },
  },
  {
    page: `${FNS}#iot-sql-function-newuuid`,
    title: 'newuuid() is a random 16-byte UUID',
    sql: "SELECT newuuid() AS id FROM 'a/b'",
    topic: 'a/b',
    payload: {},
    expect: { satisfies: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(String((v as { id?: unknown }).id)), description: '{id: uuid}' },
  },
  // --- CASE ---
  {
    page: `${DOCS}iot-sql-case.html`,
    title: 'simple CASE picks the matching WHEN',
    sql: "SELECT CASE color WHEN 'green' THEN 'go' WHEN 'yellow' THEN 'caution' WHEN 'red' THEN 'stop' ELSE 'you are not at a stop light' END as instructions FROM 'a/b'",
    topic: 'a/b',
    payload: { color: 'yellow' },
    expect: { json: { instructions: 'caution' } },
  },
  {
    page: `${DOCS}iot-sql-case.html`,
    title: 'CASE on an Undefined value is Undefined',
    sql: "SELECT CASE colour WHEN 'green' THEN 'go' ELSE 'other' END as instructions FROM 'a/b'",
    topic: 'a/b',
    payload: { color: 'yellow' },
    expect: { json: {} },
  },
  // --- Literals ---
  {
    page: `${DOCS}iot-sql-literals.html`,
    title: 'object literal with get()',
    sql: "SELECT {'latitude': get(lat_long, 0),'longitude':get(lat_long, 1)} as lat_long FROM 'topic/subtopic'",
    topic: 'topic/subtopic',
    payload: { lat_long: [47.606, -122.332] },
    expect: { json: { lat_long: { latitude: 47.606, longitude: -122.332 } } },
  },
  {
    // The page prints 47.606 for an input of 47.696 (a typo); the value passes through unchanged.
    page: `${DOCS}iot-sql-literals.html`,
    title: 'array literal',
    sql: "SELECT [lat,long] as lat_long FROM 'topic/subtopic'",
    topic: 'topic/subtopic',
    payload: { lat: 47.696, long: -122.332 },
    expect: { json: { lat_long: [47.696, -122.332] } },
  },
  {
    page: `${WHERE}`,
    title: 'WHERE on a non-JSON payload through decode(encode(*))',
    sql: "SELECT decode(encode(*, 'base64'), 'base64') AS value FROM 'topic/subtopic' WHERE decode(encode(*, 'base64'), 'base64') > 50",
    topic: 'topic/subtopic',
    payload: { raw: '80' },
    expect: { json: { value: 80 } },
  },
  // --- Scenarios validated against AWS IoT Core by the AWS IoT builder team's validation tool ---
  {
    page: `${VALIDATED}casting-sensor-payload.json`,
    title: 'cast(5.0 as double) is the Int 5 under SQL 2016-03-23',
    sql: "SELECT temperature, humidity, cast(light as double) as newLight FROM 'test/test4'",
    topic: 'test/test4',
    payload: { raw: '{"temperature":23.07,"humidity":49.9397,"light":5.0}' },
    expect: { json: { temperature: 23.07, humidity: 49.9397, newLight: 5 } },
  },
  {
    page: `${VALIDATED}undefined-function-check-payload.json`,
    title: 'isUndefined() in WHERE and dotted aliases building a nested output',
    sql: "SELECT state.debug AS state.debug, state.command AS state.command, version FROM 'test/test6' WHERE IsUndefined(state.debug) = False OR IsUndefined(state.command) = False",
    topic: 'test/test6',
    payload: { state: { command: 'DOOR_OPEN', debug: 'FALSE' }, version: '3.1' },
    expect: { json: { state: { debug: 'FALSE', command: 'DOOR_OPEN' }, version: '3.1' } },
  },
  {
    page: `${VALIDATED}payload-enrichment-with-functions.json`,
    title: 'topic(n) with a +/+/+ filter enriches the payload',
    sql: "SELECT *, topic(1) as deviceId, topic(2) as actuatorId, topic(3) as cmd FROM '+/+/+/req'",
    topic: '123/ACT_123/slider/req',
    payload: { values: [50, 100] },
    expect: { json: { values: [50, 100], deviceId: '123', actuatorId: 'ACT_123', cmd: 'slider' } },
  },
  {
    page: `${VALIDATED}select-value-test-data.json`,
    title: 'SELECT VALUE *.messages outputs a top-level array',
    sql: "SELECT VALUE *.messages FROM 'test/test2'",
    topic: 'test/test2',
    payload: { messages: [{ message: 'a' }, { message: 'b' }] },
    expect: { json: [{ message: 'a' }, { message: 'b' }] },
  },
  // --- JSON extensions ---
  {
    page: `${DOCS}iot-sql-json.html`,
    title: 'a function applied to an attribute value',
    sql: "SELECT temp, md5(deviceid) AS hashed_id FROM 'topic/#'",
    topic: 'topic/x',
    payload: { deviceid: 'iot123', temp: 54.98, humidity: 32.43, coords: { latitude: 47.615694, longitude: -122.3359976 } },
    expect: { json: { temp: 54.98, hashed_id: 'e37f81fb397e595c4aeb5645b8cbbbd1' } },
  },
];
