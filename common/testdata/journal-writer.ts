// Child process for the kill -9 test: writes keys forever, printing each one once acknowledged.
import { DurableMap } from '../journal';

const dir = process.argv[2];
if (!dir) throw new Error('usage: journal-writer DIR');
const map = DurableMap.open<{ n: number }>(dir, 'kv', { compactEvery: 500 });
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
