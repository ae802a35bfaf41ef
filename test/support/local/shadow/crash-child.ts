/**
 * Child process for the kill -9 durability test: updates one shadow in a loop and
 * prints `ack <version>` after each accepted update (i.e. after it is durable).
 */
import { silentLogger } from '../../../../common/logger';
import { ShadowService } from '../../../../local/shadow/shadow-service';
import { ShadowStore } from '../../../../local/shadow/shadow-store';
import { MemoryBus } from './memory-bus';

const dir = process.argv[2];
if (!dir) throw new Error('usage: crash-child <dataDir>');
const store = ShadowStore.open(dir);
const svc = new ShadowService({
  bus: new MemoryBus(),
  store,
  logger: silentLogger(),
  limits: { requestsPerSecondPerThing: 0 },
});
for (let i = 0; ; i++) {
  const r = await svc.update('crash-thing', 'pet', JSON.stringify({ state: { reported: { n: i } } }), { via: 'http' });
  if (r.ok) process.stdout.write(`ack ${String(r.body.version)} ${i}\n`);
}
