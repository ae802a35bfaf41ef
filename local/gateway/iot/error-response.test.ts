import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { iotError } from '../../registry/errors';
import { iotErrorResponse } from './error-response';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const dest = new Writable({
    write(c, _e, cb) {
      for (const l of String(c).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, dest), lines };
}

describe('Function: iotErrorResponse', () => {
  it('answers a registry error with its IoT type, documented status and message, logged at info', () => {
    const { log, lines } = capture();
    const out = iotErrorResponse(iotError('CertificateStateException', 'revoked'), log);
    expect(out.status).toBe(406);
    expect(out.headers?.['x-amzn-errortype']).toBe('CertificateStateException');
    expect(out.body).toEqual({ message: 'revoked', __type: 'CertificateStateException' });
    expect(lines[0]).toMatchObject({ level: 30, errorType: 'CertificateStateException', reason: 'revoked' });
  });

  it('carries resourceId and resourceArn for ResourceAlreadyExistsException', () => {
    const e = iotError('ResourceAlreadyExistsException', 'exists', { resourceId: 'p1', resourceArn: 'arn:p1' });
    expect(iotErrorResponse(e, capture().log)).toMatchObject({
      status: 409,
      body: { resourceId: 'p1', resourceArn: 'arn:p1', message: 'exists' },
    });
  });

  it('answers anything else with a 500 that reveals nothing, and logs the error', () => {
    const { log, lines } = capture();
    const out = iotErrorResponse(new Error('disk on fire at /var/secret'), log);
    expect(out.status).toBe(500);
    expect(out.body).toEqual({ message: 'An unexpected error has occurred.', __type: 'InternalFailureException' });
    expect(lines[0]).toMatchObject({ level: 50, msg: 'iot operation failed' });
  });
});
