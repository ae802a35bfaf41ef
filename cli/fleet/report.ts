import type { RotateResult, ThingDetails, ThingSummary } from './manage';
import type { ProvisionResult } from './provision';

/** `fleet provision THING`: one line, or one JSON object with the policy added. */
export function provisionedReport(r: ProvisionResult, policy: string, json: boolean): string {
  return json
    ? `${JSON.stringify({ ...r, policy })}\n`
    : `provisioned ${r.thing}: certificate ${r.certificateId} ACTIVE, policy ${policy}, endpoint ${r.endpoint}, config ${r.configFile}\n`;
}

/** `fleet list`: a THING / CERTIFICATES table (`-` for none), or `{ things }`. */
export function listReport(things: readonly ThingSummary[], json: boolean): string {
  if (json) return `${JSON.stringify({ things })}\n`;
  const w = Math.max(5, ...things.map((t) => t.thing.length));
  let out = `${'THING'.padEnd(w)}  CERTIFICATES\n`;
  for (const t of things) {
    const certs = t.certificates.map((c) => `${c.certificateId} ${c.status}`).join(', ') || '-';
    out += `${t.thing.padEnd(w)}  ${certs}\n`;
  }
  return out;
}

/** `fleet describe THING`: the thing, then one line per certificate with its policies. */
export function describeReport(d: ThingDetails, json: boolean): string {
  if (json) return `${JSON.stringify(d)}\n`;
  const attrs = Object.entries(d.attributes).map(([k, v]) => `${k}=${v}`).join(' ') || '-';
  let out = `thing ${d.thing}\n  arn ${d.thingArn}\n  version ${d.version}\n  attributes ${attrs}\n`;
  if (d.certificates.length === 0) out += '  certificates -\n';
  for (const c of d.certificates) out += `  certificate ${c.certificateId} ${c.status} policies ${c.policies.join(',') || '-'}\n`;
  return out;
}

/** `fleet revoke`: the revoked certificate ids. */
export function revokedReport(ids: readonly string[], json: boolean): string {
  return json ? `${JSON.stringify({ revoked: ids })}\n` : `revoked ${ids.length} certificate(s): ${ids.join(', ')}\n`;
}

/** `fleet rotate`: the new certificate and what happened to the old ones. */
export function rotatedReport(r: RotateResult, json: boolean): string {
  return json
    ? `${JSON.stringify(r)}\n`
    : `rotated ${r.thing}: certificate ${r.certificateId} ACTIVE (policies ${r.policies.join(',')}), ` +
        `${r.retired.length} old certificate(s) INACTIVE and detached after ${r.graceMs / 1000}s, config ${r.configFile}\n`;
}

/** The outcome of a bulk provisioning run. */
export interface BulkOutcome {
  done: ProvisionResult[];
  failures: Array<{ thing: string; error: string }>;
  seconds: number;
}

/** `fleet provision --count N`: one summary line, or one JSON object with every thing. */
export function bulkReport({ done, failures, seconds }: BulkOutcome, json: boolean): string {
  const rate = done.length / Math.max(seconds, 1e-9);
  if (json) {
    return `${JSON.stringify({ provisioned: done.length, failed: failures.length, seconds: round(seconds), perSecond: round(rate), things: done, failures })}\n`;
  }
  return `provisioned ${done.length} things in ${seconds.toFixed(1)} s (${rate.toFixed(1)}/s), ${failures.length} failed\n`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
