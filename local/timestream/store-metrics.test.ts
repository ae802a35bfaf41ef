import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { vitalsRecord } from '../../test/support/local/timestream';
import { TelemetryStore } from './store';
import { timestreamStoreMetrics } from './store-metrics';

const stores: TelemetryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

const NOW = 1_790_000_000_000;
const figure = (text: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1]);

describe('Function: timestreamStoreMetrics', () => {
  it('reports commits, records, the version index entries, its trims and its reads from disk', async () => {
    const s = await TelemetryStore.open({ logger: silentLogger(), now: () => NOW, maxIndexEntries: 5 });
    stores.push(s);
    const write = (t: number, hr: number) => s.write({ DatabaseName: 'pulsepet', TableName: 'telemetry', Records: [vitalsRecord('m', t, hr, 1)] });
    for (let i = 0; i < 6; i++) await write(NOW - 1000 + i, 60 + i);
    let text = timestreamStoreMetrics(s);
    expect(text).toContain('# TYPE pulsepet_timestream_index_entries gauge');
    expect(text).toContain('# TYPE pulsepet_timestream_records_total counter');
    expect(figure(text, 'pulsepet_timestream_commits_total')).toBe(6);
    expect(figure(text, 'pulsepet_timestream_records_total')).toBe(6);
    // six entries passed the bound of five: the series kept its newer three
    expect(figure(text, 'pulsepet_timestream_index_trims_total')).toBe(1);
    expect(figure(text, 'pulsepet_timestream_index_entries')).toBe(3);
    expect(figure(text, 'pulsepet_timestream_index_reads_total')).toBe(0);
    // a replay of the first record, older than what the series kept, reads it back
    await write(NOW - 1000, 60);
    text = timestreamStoreMetrics(s);
    expect(figure(text, 'pulsepet_timestream_index_reads_total')).toBe(1);
    expect(figure(text, 'pulsepet_timestream_index_read_entries_total')).toBe(1);
    expect(figure(text, 'pulsepet_timestream_index_entries')).toBe(4);
  });
});
