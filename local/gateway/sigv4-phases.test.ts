import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { beginSigV4, checkSignature, finishSigV4, type SigV4Pending } from './sigv4';

const creds = { accessKeyId: 'AKIDPHASE', secretAccessKey: 'phase-secret' };
const lookup = (id: string) => (id === creds.accessKeyId ? creds : undefined);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

async function signedHead(service: string, body: string, applyChecksum = true) {
  const signer = new SignatureV4({ service, region: 'us-east-1', credentials: creds, sha256: Sha256, applyChecksum });
  const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: 'localhost', path: '/p', query: {}, headers: { host: 'localhost' }, body });
  const headers = Object.fromEntries(Object.entries(signed.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: 'POST', rawPath: '/p', rawQuery: '', headers };
}

async function pending(service: string, body: string, applyChecksum = true): Promise<SigV4Pending> {
  const begun = beginSigV4(await signedHead(service, body, applyChecksum), lookup);
  if (!begun.ok) throw new Error(begun.message);
  return begun.pending;
}

describe('Function: beginSigV4 / finishSigV4', () => {
  it('accepts a body whose streamed hash matches, whether or not the hash was declared', async () => {
    expect(finishSigV4(await pending('iot', '{"a":1}'), sha('{"a":1}')).ok).toBe(true);
    expect(finishSigV4(await pending('iot', '{"a":1}', false), sha('{"a":1}')).ok).toBe(true);
  });

  it('verifies the signature from the head alone when the hash is declared', async () => {
    const p = await pending('iot', 'body');
    expect(p.declaredPayloadHash).toBe(sha('body'));
    expect(checkSignature(p, p.declaredPayloadHash ?? '').ok).toBe(true);
    expect(checkSignature(p, sha('other')).ok).toBe(false);
  });

  it('checks a declared hash signature once: what matched before the body is not computed again', async () => {
    const early = await pending('iot', 'body');
    expect(checkSignature(early, early.declaredPayloadHash ?? '').ok).toBe(true);
    // the signature is spoiled after it matched: the end of the request does not look at it again
    early.parsed.signature = '0'.repeat(64);
    expect(finishSigV4(early, sha('body')).ok).toBe(true);
    // nor does it vouch for another body
    expect(finishSigV4(early, sha('other'))).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
    // a spoiled signature never checked before the body is refused at the end
    const late = await pending('iot', 'body');
    late.parsed.signature = '0'.repeat(64);
    expect(finishSigV4(late, sha('body'))).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
  });

  it('refuses another body: InvalidSignatureException, or 400 XAmzContentSHA256Mismatch for S3', async () => {
    expect(finishSigV4(await pending('iot', 'body'), sha('other'))).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
    expect(finishSigV4(await pending('iot', 'body', false), sha('other'))).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
    expect(finishSigV4(await pending('s3', 'body'), sha('other'))).toMatchObject({ ok: false, errorType: 'XAmzContentSHA256Mismatch' });
  });

  it('refuses from the head alone what needs no body: no signature, unknown key', async () => {
    expect(beginSigV4({ method: 'GET', rawPath: '/', rawQuery: '', headers: { host: 'x' } }, lookup)).toMatchObject({
      ok: false,
      errorType: 'MissingAuthenticationTokenException',
    });
    expect(beginSigV4(await signedHead('iot', ''), () => undefined)).toMatchObject({ ok: false, errorType: 'UnrecognizedClientException' });
  });
});
