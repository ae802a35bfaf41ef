/**
 * What the reasoning loop implies per device-month on AWS, from per-batch figures
 * measured by bench/reasoning-loop.ts. List prices for us-east-1 as published on the AWS
 * pricing pages (IoT Core, Lambda, Timestream); they change: check them before budgeting.
 */
export const PRICES = {
  asOf: '2026-12-05 (AWS list prices, us-east-1, from the pricing pages)',
  iotMessagesPerMillion: 1.0, // first billion messages/month, metered in 5 KB increments
  iotShadowOpsPerMillion: 1.25, // Device Shadow and registry operations, metered in 1 KB increments
  iotRulesTriggeredPerMillion: 0.15,
  iotRuleActionsPerMillion: 0.15,
  lambdaRequestsPerMillion: 0.2,
  lambdaGbSecond: 0.0000166667, // x86
  timestreamQueryPerGbScanned: 0.01, // with a 10 MB minimum per query
} as const;

export interface CostInput {
  batchesPerDay: number;
  /** telemetry batch size on the wire */
  batchBytes: number;
  functionCpuMicros: number;
  shadowRequests: number;
  storeQueries: number;
  petWriteShare: number;
}

/** Assumptions the estimate rests on (reported beside it). */
export const ASSUMPTIONS = {
  lambdaMemoryGb: 0.5,
  /** billed duration = function CPU + this much per shadow round trip (same-region IoT data plane) */
  msPerShadowRequest: 8,
  /**
   * metered size of an average shadow request: mostly the reasoning state's write (2.7 KB
   * in its layout 2, metered as 3 KB; most batches make no other), pet and config ~1 KB
   */
  kbPerShadowRequest: 3,
  daysPerMonth: 30,
} as const;

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** The reasoning function's share of the bill per device-month, in USD, by service. */
export function monthlyCost(i: CostInput): Record<string, number | string | object> {
  const a = ASSUMPTIONS;
  const batches = i.batchesPerDay * a.daysPerMonth;
  const durationMs = Math.ceil(i.functionCpuMicros / 1000 + i.shadowRequests * a.msPerShadowRequest);
  const lambda = (batches * PRICES.lambdaRequestsPerMillion) / 1e6 + batches * (durationMs / 1000) * a.lambdaMemoryGb * PRICES.lambdaGbSecond;
  const shadow = (batches * i.shadowRequests * a.kbPerShadowRequest * PRICES.iotShadowOpsPerMillion) / 1e6;
  // the rule that routes the batch to reasoning (one trigger, one action) and the delta a pet write publishes
  const rules = (batches * (PRICES.iotRulesTriggeredPerMillion + PRICES.iotRuleActionsPerMillion)) / 1e6;
  const messages = (batches * i.petWriteShare * PRICES.iotMessagesPerMillion) / 1e6;
  const timestream = batches * i.storeQueries * 0.01 * PRICES.timestreamQueryPerGbScanned;
  const total = lambda + shadow + rules + messages + timestream;
  return {
    usd: { lambda: round(lambda), shadowOperations: round(shadow), rules: round(rules), deltaMessages: round(messages), timestreamQueries: round(timestream), total: round(total) },
    billedDurationMs: durationMs,
    batchesPerMonth: batches,
    assumptions: { ...a, batchesPerDay: i.batchesPerDay, note: 'telemetry ingest (its rule, function and WriteRecords) is not included: it is the same with or without reasoning' },
  };
}
