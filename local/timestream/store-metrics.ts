import type { TelemetryStore } from './store';

/** name (after `pulsepet_timestream_`), type, help, value */
type Figure = [string, 'counter' | 'gauge', string, number];

/**
 * The local Timestream store's figures for `GET /metrics` (Prometheus text exposition
 * 0.0.4): its group commits, the records they carried, and its version index (entries held,
 * trims past its bound, reads from disk for writes older than what a series kept).
 */
export function timestreamStoreMetrics(store: TelemetryStore): string {
  const { commits, records, queries } = store.stats;
  const reads = store.indexLoads;
  const figures: Figure[] = [
    ['commits_total', 'counter', 'Group commits of the local Timestream store.', commits],
    ['records_total', 'counter', 'Records the store ingested (WriteRecords, identical replays included).', records],
    ['queries_total', 'counter', 'Queries the store ran.', queries],
    ['index_entries', 'gauge', 'Entries in the version indexes (time, version, fingerprint of a stored record).', store.indexEntries],
    ['index_trims_total', 'counter', 'Times the version indexes passed their bound and each series forgot its older half.', store.indexTrims],
    ['index_reads_total', 'counter', 'Reads from disk into a version index: a write older than what its series kept, or its first after open.', reads.count],
    ['index_read_entries_total', 'counter', 'Entries those reads added.', reads.entries],
  ];
  return figures.map(([name, type, help, value]) => `# HELP pulsepet_timestream_${name} ${help}\n# TYPE pulsepet_timestream_${name} ${type}\npulsepet_timestream_${name} ${value}\n`).join('');
}
