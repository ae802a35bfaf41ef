import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { uriEncode, verifySigV4 } from './sigv4';

const creds = { accessKeyId: 'AKIDPROP', secretAccessKey: 'prop-secret' };
const signers = [true, false].map(
  (applyChecksum) =>
    new SignatureV4({ service: 'iot', region: 'us-east-1', credentials: creds, sha256: Sha256, applyChecksum }),
);
const lookup = (id: string) => (id === creds.accessKeyId ? creds : undefined);

const segment = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' }).filter((s) => s !== '.' && s !== '..');
const queryValue = fc.string({ maxLength: 12, unit: 'grapheme' });

describe('Function: verifySigV4', () => {
  it('accepts exactly what the SDK signer signs, for any path, query and body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), queryValue, { maxKeys: 4 }),
        fc.string({ maxLength: 200 }),
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
        fc.constantFrom(0, 1),
        async (segs, query, body, method, which) => {
          const signer = signers[which]!;
          const rawPath = `/${segs.map(uriEncode).join('/')}`;
          const signed = await signer.sign({
            method,
            protocol: 'http:',
            hostname: 'localhost',
            port: 4000,
            path: rawPath,
            query,
            headers: { host: 'localhost:4000', 'content-type': 'application/json' },
            body,
          });
          const headers = Object.fromEntries(
            Object.entries(signed.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
          );
          const rawQuery = Object.entries(query)
            .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
            .join('&');
          const input = { method, rawPath, rawQuery, headers, body: Buffer.from(body) };
          expect(verifySigV4(input, lookup, { region: 'us-east-1' }).ok).toBe(true);
          const auth = headers.authorization ?? '';
          const flipped = auth.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
          const bad = verifySigV4({ ...input, headers: { ...headers, authorization: flipped } }, lookup);
          expect(bad.ok).toBe(false);
          const otherBody = verifySigV4({ ...input, body: Buffer.from(`${body}x`) }, lookup);
          expect(otherBody.ok).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});
