// Child process for the kill -9 tests: writes keys forever, printing each one once acknowledged.
import { parseFsyncPolicy } from '../../../common/fsync-policy';
import { DurableMap } from '../../../common/journal';

const dir = process.argv[2];
const policy = parseFsyncPolicy(process.argv[3] ?? 'always');
if (!dir || 'error' in policy) throw new Error('usage: journal-writer DIR [always|interval:MS|never]');
const map = DurableMap.open<{ n: number }>(dir, 'kv', { compactEvery: 500, fsync: policy });
let n = 0;
async function loop(): Promise<void> {
  for (;;) {
    const batch: Promise<void>[] = [];
    const keys: string[] = [];
    for (let i = 0; i < 20; i++) {
      const k = `k${n++}`;
      keys.push(k);
      batch.push(map.set(k, { n }));
    }
    await Promise.all(batch);
    process.stdout.write(`${keys.join('\n')}\n`);
  }
}
void loop();
