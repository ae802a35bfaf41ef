import type { GatewayResponse } from '../ports';

/**
 * Prometheus text exposition format 0.0.4, the content type it is served with
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
 */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4';

/** A metric source: exposition lines with their `# HELP` and `# TYPE`, read at each scrape. */
export type MetricsSource = () => string;

/** A label value escaped as the format requires: `\`, `"` and line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * A counter with labels. Label values must come from a bounded set (the caller maps
 * anything a client chooses, such as an unknown signing name, to a fixed value).
 *
 * @example
 * const c = new LabelledCounter('x_total', 'Things.', ['kind']);
 * c.inc({ kind: 'a' });
 * c.render(); // '# HELP x_total Things.\n# TYPE x_total counter\nx_total{kind="a"} 1\n'
 */
export class LabelledCounter {
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  inc(labels: Readonly<Record<string, string>>, by = 1): void {
    const key = this.keyOf(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  /** The value for exactly these labels (0 when never incremented). */
  get(labels: Readonly<Record<string, string>>): number {
    return this.values.get(this.keyOf(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [key, v] of this.values) lines.push(`${this.name}{${key}} ${v}`);
    return `${lines.join('\n')}\n`;
  }

  /** The rendered label set, in the declared label order. */
  private keyOf(labels: Readonly<Record<string, string>>): string {
    return this.labelNames.map((n) => `${n}="${escapeLabelValue(labels[n] ?? '')}"`).join(',');
  }
}

/** Why a request was refused before a byte of its body was read (a bounded set, the metric's label). */
export type RefusalReason =
  | 'missing_signature'
  | 'malformed_signature'
  | 'unknown_access_key'
  | 'invalid_session_token'
  | 'expired_session_token'
  | 'invalid_signature'
  | 'unknown_service'
  | 'body_too_large';

/** The gateway's own counters. */
export class GatewayMetrics {
  readonly requests = new LabelledCounter(
    'pulsepet_gateway_requests_total',
    'HTTP requests answered by the gateway, by signing name (none when no service was chosen) and status.',
    ['service', 'status'],
  );
  readonly refusedBeforeBody = new LabelledCounter(
    'pulsepet_gateway_refused_before_body_total',
    'Requests answered before any of their body was read, by reason.',
    ['reason'],
  );

  /** body bytes held in memory right now (read, not yet released by the service) */
  bufferedBodyBytes = 0;
  /** the most body bytes ever held at once */
  peakBufferedBodyBytes = 0;

  /** `bytes` more of some body are held (negative: released). */
  holdBody(bytes: number): void {
    this.bufferedBodyBytes += bytes;
    this.peakBufferedBodyBytes = Math.max(this.peakBufferedBodyBytes, this.bufferedBodyBytes);
  }

  answered(service: string | undefined, status: number): void {
    this.requests.inc({ service: service ?? 'none', status: String(status) });
  }

  refused(reason: RefusalReason): void {
    this.refusedBeforeBody.inc({ reason });
  }

  render(): string {
    const gauge = (name: string, help: string, v: number) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${v}\n`;
    return (
      this.requests.render() +
      this.refusedBeforeBody.render() +
      gauge('pulsepet_gateway_body_bytes_buffered', 'Request body bytes held in memory now.', this.bufferedBodyBytes) +
      gauge('pulsepet_gateway_body_bytes_buffered_peak', 'Most request body bytes held in memory at once.', this.peakBufferedBodyBytes)
    );
  }
}

/** The `GET /metrics` answer: every source's lines, each ending in a line feed. */
export function metricsResponse(sources: Iterable<MetricsSource>): GatewayResponse {
  let text = '';
  for (const source of sources) {
    const part = source();
    text += part.endsWith('\n') || part === '' ? part : `${part}\n`;
  }
  return { status: 200, headers: { 'content-type': EXPOSITION_CONTENT_TYPE }, body: text };
}

/** An unsigned scrape: exactly `GET /metrics` (no AWS operation the gateway serves uses that path). */
export function isMetricsScrape(method: string | undefined, rawPath: string): boolean {
  return method === 'GET' && rawPath === '/metrics';
}
