import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createKeysAndCertificate } from '../../certs/index';
import type { SimDeviceSpec } from './device';
import { runFleet } from './run-fleet';

/**
 * A broker that never answers: it accepts TCP connections and holds them, as a broker
 * far behind on its handshakes does. It counts how many are open at once.
 */
describe('Function: runFleet (connect window)', () => {
  const open = new Set<Socket>();
  let peakOpen = 0;
  const server = createServer((s) => {
    open.add(s);
    peakOpen = Math.max(peakOpen, open.size);
    s.on('error', () => {});
    s.once('close', () => open.delete(s));
  });
  let port = 0;
  let caPem = '';
  const devices: SimDeviceSpec[] = [];

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    const ca = await createCa({ commonName: 'window test CA' });
    caPem = ca.certificatePem;
    const id = await createKeysAndCertificate(ca, { commonName: 'win' });
    for (let i = 0; i < 12; i++) {
      devices.push({ thing: `win-${i}`, certificatePem: id.certificatePem, privateKeyPem: id.keyPair.PrivateKey, scenario: 'rest', bodyPersona: 'office' });
    }
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps at most maxConnecting connects in progress while the broker does not answer, whatever the connect rate', async () => {
    const ac = new AbortController();
    const run = runFleet({ devices, host: '127.0.0.1', port, servername: 'localhost', caPem, connectRate: 1_000, maxConnecting: 3, durationMs: 60_000, drainMs: 0 }, ac.signal);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(open.size).toBe(3);
    expect(peakOpen).toBe(3);
    ac.abort();
    // the attempts still in progress end when the broker hangs up
    for (const s of open) s.destroy();
    const summary = await run;
    expect(summary.connect.peakConnected).toBe(0);
    expect(peakOpen).toBe(3);
  });
});
