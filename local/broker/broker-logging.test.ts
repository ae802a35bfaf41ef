import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/logger';
import { connectDevice, type Fixture, startFixture, until } from '../../test/support/local/broker';

const lines: string[] = [];
let fx: Fixture;

beforeAll(async () => {
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter((l) => l.length > 0)));
  fx = await startFixture({ logger: createLogger('test', { level: 'debug', destination: sink }) });
});
afterAll(async () => {
  await fx?.close();
});

describe('Function: startBroker (logging)', () => {
  it('logs refusals as JSON with component broker and never writes certificate or key material', async () => {
    const dev = await fx.device('pet-log');
    const out = await connectDevice(fx, dev, 'someone-else');
    expect(out.ok).toBe(false);
    const stray = await fx.device('pet-log-stray', { register: false });
    expect((await connectDevice(fx, stray, 'pet-log-stray')).ok).toBe(false);
    await until(
      () => lines.some((l) => l.includes('TLS client refused')) && lines.some((l) => l.includes('CONNECT refused by policy')),
      5000,
      'refusal log lines',
    );
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const refusal = records.find((r) => r.msg === 'CONNECT refused by policy');
    expect(refusal).toMatchObject({ component: 'broker', clientId: 'someone-else', principal: dev.certificateId });
    const all = lines.join('\n');
    expect(all).not.toContain('BEGIN');
    expect(all).not.toContain(dev.privateKeyPem.split('\n')[1] ?? 'unreachable');
  });
});
