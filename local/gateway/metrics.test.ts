import { ListThingsCommand } from '@aws-sdk/client-iot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../test/support/local/gateway';
import { EXPOSITION_CONTENT_TYPE, escapeLabelValue, GatewayMetrics, isMetricsScrape, LabelledCounter, metricsResponse } from './metrics';

describe('Class: LabelledCounter', () => {
  it('renders HELP, TYPE and one sample per label set, in the declared label order', () => {
    const c = new LabelledCounter('x_total', 'Things.', ['a', 'b']);
    c.inc({ b: '2', a: '1' });
    c.inc({ a: '1', b: '2' }, 2);
    c.inc({ a: 'z', b: '' });
    expect(c.render()).toBe('# HELP x_total Things.\n# TYPE x_total counter\nx_total{a="1",b="2"} 3\nx_total{a="z",b=""} 1\n');
    expect(c.get({ a: '1', b: '2' })).toBe(3);
    expect(c.get({ a: 'never', b: '' })).toBe(0);
  });

  it('escapes backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
  });
});

describe('Class: GatewayMetrics', () => {
  it('counts answers by service (none when no service was chosen) and refusals by reason', () => {
    const m = new GatewayMetrics();
    m.answered('iot', 200);
    m.answered(undefined, 403);
    m.refused('missing_signature');
    m.holdBody(100);
    m.holdBody(-100);
    const text = m.render();
    expect(text).toContain('pulsepet_gateway_requests_total{service="iot",status="200"} 1\n');
    expect(text).toContain('pulsepet_gateway_requests_total{service="none",status="403"} 1\n');
    expect(text).toContain('pulsepet_gateway_refused_before_body_total{reason="missing_signature"} 1\n');
    expect(text).toContain('pulsepet_gateway_body_bytes_buffered 0\n');
    expect(text).toContain('pulsepet_gateway_body_bytes_buffered_peak 100\n');
  });
});

describe('Function: metricsResponse', () => {
  it('concatenates the sources, ending each with a line feed, as text format 0.0.4', () => {
    const out = metricsResponse([() => '# TYPE a gauge\na 1', () => '', () => '# TYPE b gauge\nb 2\n']);
    expect(out).toEqual({ status: 200, headers: { 'content-type': EXPOSITION_CONTENT_TYPE }, body: '# TYPE a gauge\na 1\n# TYPE b gauge\nb 2\n' });
  });

  it('is served for GET /metrics only', () => {
    expect(isMetricsScrape('GET', '/metrics')).toBe(true);
    expect(isMetricsScrape('POST', '/metrics')).toBe(false);
    expect(isMetricsScrape('GET', '/metrics/x')).toBe(false);
  });
});

describe('Function: startGateway', () => {
  let t: TestGateway;
  beforeEach(async () => {
    t = await startTestGateway();
  });
  afterEach(async () => {
    await t.close();
  });

  it('answers an unsigned GET /metrics with its own counters and every source added at run time', async () => {
    await t.iot().send(new ListThingsCommand({}));
    await fetch(`${t.gateway.url}/things`);
    t.gateway.addMetrics(() => '# HELP pulsepet_test_depth A test gauge.\n# TYPE pulsepet_test_depth gauge\npulsepet_test_depth 7\n');
    const res = await fetch(`${t.gateway.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE pulsepet_gateway_requests_total counter\n');
    expect(text).toContain('pulsepet_gateway_requests_total{service="iot",status="200"} 1\n');
    expect(text).toContain('pulsepet_gateway_requests_total{service="none",status="403"} 1\n');
    expect(text).toContain('pulsepet_gateway_refused_before_body_total{reason="missing_signature"} 1\n');
    expect(text).toMatch(/\npulsepet_test_depth 7\n$/);
  });

  it('leaves other methods on /metrics to SigV4', async () => {
    const res = await fetch(`${t.gateway.url}/metrics`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});
