// Child process for the telemetry store's kill -9 test: writes records that each bring
// new measure names (so every write changes the table's schema) and prints each write's
// number once it is acknowledged.
import { silentLogger } from '../../../common/logger';
import { TelemetryStore } from '../../../local/timestream/store';

const [dir, start] = process.argv.slice(2);
if (!dir || start === undefined) throw new Error('usage: timestream-schema-writer DIR START');
const store = await TelemetryStore.open({ logger: silentLogger(), dataDir: dir, commitDelayMs: 0 });
const now = Date.now();
for (let n = Number(start); ; n++) {
  await store.write({
    DatabaseName: 'pulsepet',
    TableName: 'telemetry',
    Records: [
      {
        Dimensions: [{ Name: 'thing', Value: `kill-${n % 7}` }, { Name: `site_${n}`, Value: 's' }],
        MeasureName: 'vitals',
        MeasureValueType: 'MULTI',
        MeasureValues: [{ Name: `m_${n}`, Value: String(n), Type: 'DOUBLE' }],
        Time: String(now - 60_000 + n),
      },
    ],
  });
  process.stdout.write(`${n}\n`);
}
