/**
 * Test fixture for gc-tuning.test.ts: with `tuned` as argv[2] applies
 * tuneGcForHost as on a 1-CPU host, then allocates objects that survive a few
 * young-generation collections (run it with --trace-gc-nvp).
 */
import { tuneGcForHost } from '../../../common/gc-tuning';

if (process.argv[2] === 'tuned') tuneGcForHost({ cpus: 1 });
const ring: Array<{ i: number; s: string }> = new Array(200_000);
let k = 0;
for (let i = 0; i < 10_000_000; i++) {
  ring[k] = { i, s: `x${i & 1023}` };
  k = (k + 1) % ring.length;
}
