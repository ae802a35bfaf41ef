/**
 * A WriteRecords body shaped like the ingest function's: one thing's batch of
 * multi-measure records (`vitals`: hr, hrvRmssd, steps, spo2), `spacingMs` apart from
 * `startMs`, with the shared attributes (dimension `thing`, measure name, version
 * `seq + 1`) in CommonAttributes.
 */
export function ingestShapedBody(o: { thing: string; seq: number; startMs: number; records: number; spacingMs: number }): string {
  const Records = Array.from({ length: o.records }, (_, i) => ({
    Time: String(o.startMs + i * o.spacingMs),
    MeasureValues: [
      { Name: 'hr', Value: String(60 + (i % 40)), Type: 'DOUBLE' },
      { Name: 'hrvRmssd', Value: String(30 + (i % 40)), Type: 'DOUBLE' },
      { Name: 'steps', Value: String(i % 5), Type: 'BIGINT' },
      { Name: 'spo2', Value: '97', Type: 'DOUBLE' },
    ],
  }));
  return JSON.stringify({
    DatabaseName: 'pulsepet',
    TableName: 'telemetry',
    CommonAttributes: {
      Dimensions: [{ Name: 'thing', Value: o.thing, DimensionValueType: 'VARCHAR' }],
      MeasureName: 'vitals',
      MeasureValueType: 'MULTI',
      TimeUnit: 'MILLISECONDS',
      Version: o.seq + 1,
    },
    Records,
  });
}
