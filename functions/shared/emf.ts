/**
 * CloudWatch embedded metric format (EMF): one JSON line on the function's stdout per
 * observation, which CloudWatch Logs turns into metrics without a PutMetricData call.
 * The root carries the dimension values, the metric values and free properties; `_aws`
 * says which are metrics (name and unit) and which dimension sets to aggregate by.
 *
 * @example
 * emitMetrics(logStreamSink, { namespace: 'pulsepet', dimensions: { FunctionName: 'pulsepet-reasoning', Outcome: 'llm' },
 *   metrics: { CoachCalls: { value: 1, unit: 'Count' } }, properties: { thing: 'pet-1' } });
 */

export type EmfUnit = 'Count' | 'Milliseconds' | 'None';

export interface EmfObservation {
  namespace: string;
  /** dimension name → value; they form one dimension set */
  dimensions: Readonly<Record<string, string>>;
  metrics: Readonly<Record<string, { value: number; unit: EmfUnit }>>;
  /** searchable context that is not a metric (thing, reason…) */
  properties?: Readonly<Record<string, string | number | boolean>>;
}

/** Where EMF lines go: the function's log stream (one line each), an array in tests. */
export type EmfSink = (line: string) => void;

/**
 * Lambda sends stdout and stderr alike to the function's CloudWatch log group, where EMF
 * lines are extracted; stderr keeps them beside the function's other log lines and out
 * of `pulsepet up`'s stdout, which carries machine-readable output (its ready line).
 */
export const logStreamSink: EmfSink = (line) => {
  process.stderr.write(`${line}\n`);
};

/** The EMF document of one observation. */
export function emfDocument(o: EmfObservation, timestamp: number): Record<string, unknown> {
  const values: Record<string, number> = {};
  for (const [name, m] of Object.entries(o.metrics)) values[name] = m.value;
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: o.namespace,
          Dimensions: [Object.keys(o.dimensions)],
          Metrics: Object.entries(o.metrics).map(([Name, m]) => ({ Name, Unit: m.unit })),
        },
      ],
    },
    ...o.properties,
    ...o.dimensions,
    ...values,
  };
}

export function emitMetrics(sink: EmfSink, o: EmfObservation, timestamp = Date.now()): void {
  sink(JSON.stringify(emfDocument(o, timestamp)));
}
