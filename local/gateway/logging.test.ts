import { Writable } from 'node:stream';
import { CreateKeysAndCertificateCommand, DescribeThingCommand, ListThingsCommand } from '@aws-sdk/client-iot';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS } from '../../common/logger';
import { startTestGateway } from '../../test/support/local/gateway';

describe('gateway logging', () => {
  it('logs rejections with request id and error type, and never a private key or the secret', async () => {
    const lines: string[] = [];
    const dest = new Writable({
      write(c, _e, cb) {
        lines.push(...String(c).split('\n').filter(Boolean));
        cb();
      },
    });
    const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, dest);
    const t = await startTestGateway({ logger });
    try {
      const iot = t.iot();
      const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await iot.send(new DescribeThingCommand({ thingName: 'ghost' })).catch(() => undefined);
      await t.iot({ secretAccessKey: 'wrong' }).send(new ListThingsCommand({})).catch(() => undefined);
      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const rejected = records.find((r) => r.operation === 'DescribeThing' && r.errorType === 'ResourceNotFoundException');
      expect(rejected?.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(records.some((r) => r.errorType === 'InvalidSignatureException')).toBe(true);
      const all = lines.join('\n');
      expect(all).not.toContain('PRIVATE KEY');
      expect(all).not.toContain(cert.keyPair?.PrivateKey?.slice(40, 80) ?? 'unreachable');
      expect(all).not.toContain(t.credentials.secretAccessKey);
    } finally {
      await t.close();
    }
  });
});
