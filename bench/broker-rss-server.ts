/**
 * Child process of bench/broker-rss.ts: runs the local broker alone so its RSS can
 * be measured. Speaks to the parent over the fork IPC channel:
 * → { port } once listening; 'rss' → { rss, heapUsed, connections }; 'stop' → exits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../common/logger';
import { Registry, startBroker } from '../local/index';
import { startPlainAedes } from './broker-support';

const dir = process.argv[2];
if (!dir || !process.send) {
  process.stderr.write('usage: forked by bench/broker-rss.ts with the fixture dir\n');
  process.exit(2);
}
const logger = silentLogger();
const registry = Registry.open(join(dir, 'registry'), { region: 'us-east-1', logger });
const plain = process.argv[3] === 'plain';
const broker = plain
  ? await plainBroker()
  : await startBroker({
  host: '127.0.0.1',
  port: 0,
  tls: {
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.crt'), 'utf8'),
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
  },
      registry,
      region: 'us-east-1',
      logger,
    });

/** The same TLS client authentication on plain aedes, for comparison (`plain` argument). */
async function plainBroker(): Promise<{ port: number; connectionCount(): number; close(): Promise<void> }> {
  const b = await startPlainAedes({
    key: readFileSync(join(dir as string, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir as string, 'server.crt'), 'utf8'),
    ca: readFileSync(join(dir as string, 'ca.crt'), 'utf8'),
  });
  return { port: b.port, connectionCount: () => -1, close: () => b.close() };
}
const gc = (globalThis as { gc?: () => void }).gc;
process.on('message', async (msg) => {
  if (msg === 'rss') {
    gc?.();
    const m = process.memoryUsage();
    process.send?.({ rss: m.rss, heapUsed: m.heapUsed, connections: broker.connectionCount() });
  } else if (msg === 'stop') {
    await broker.close();
    registry.close();
    process.exit(0);
  }
});
process.send({ port: broker.port });
