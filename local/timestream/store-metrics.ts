import type { TelemetryStore } from './store';

/**
 * The local Timestream store's figures for `GET /metrics` (Prometheus text exposition
 * 0.0.4): its group commits, the records they carried, and its version index (entries held,
 * reads from disk for writes older than what a series kept).
 */
export function timestreamStoreMetrics(store: TelemetryStore): string {
  const { commits, records, queries } = store.stats;
  const reads = store.indexLoads;
  const lines = [
    '# HELP pulsepet_timestream_commits_total Group commits of the local Timestream store.',
    '# TYPE pulsepet_timestream_commits_total counter',
    `pulsepet_timestream_commits_total ${commits}`,
    '# HELP pulsepet_timestream_records_total Records the store ingested (WriteRecords, identical replays included).',
    '# TYPE pulsepet_timestream_records_total counter',
    `pulsepet_timestream_records_total ${records}`,
    '# HELP pulsepet_timestream_queries_total Queries the store ran.',
    '# TYPE pulsepet_timestream_queries_total counter',
    `pulsepet_timestream_queries_total ${queries}`,
    '# HELP pulsepet_timestream_index_entries Entries in the version indexes (time, version, fingerprint of a stored record).',
    '# TYPE pulsepet_timestream_index_entries gauge',
    `pulsepet_timestream_index_entries ${store.indexEntries}`,
    '# HELP pulsepet_timestream_index_reads_total Reads from disk into a version index: a write older than what its series kept, or its first after open.',
    '# TYPE pulsepet_timestream_index_reads_total counter',
    `pulsepet_timestream_index_reads_total ${reads.count}`,
    '# HELP pulsepet_timestream_index_read_entries_total Entries those reads added.',
    '# TYPE pulsepet_timestream_index_read_entries_total counter',
    `pulsepet_timestream_index_read_entries_total ${reads.entries}`,
    '# HELP pulsepet_timestream_index_trims_total Times the version indexes passed their bound and each series forgot its older half.',
    '# TYPE pulsepet_timestream_index_trims_total counter',
    `pulsepet_timestream_index_trims_total ${store.indexTrims}`,
  ];
  return `${lines.join('\n')}\n`;
}
