import { createHash } from 'node:crypto';
import { createServer, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../../protocol/errors';
import type { GatewayResponse } from '../ports';
import { gatewayUrl, readBody, readBodyHashed, sendResponse, splitTarget } from './http-io';

function incoming(chunks: string[]): IncomingMessage {
  const msg = new IncomingMessage(new Socket());
  for (const c of chunks) msg.push(c);
  msg.push(null);
  return msg;
}

/** Serves one fixed answer through sendResponse on port 0 and fetches it. */
async function answer(out: GatewayResponse): Promise<Response> {
  const server = createServer((_req, res) => sendResponse(res, 'rid-1', out));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await res.clone().arrayBuffer();
    return res;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

describe('Function: splitTarget', () => {
  it('splits the raw path from the raw query at the first "?" and keeps both encoded', () => {
    expect(splitTarget('/a%2Fb?x=1&y=a%3Fb')).toEqual({ rawPath: '/a%2Fb', rawQuery: 'x=1&y=a%3Fb' });
    expect(splitTarget('/things')).toEqual({ rawPath: '/things', rawQuery: '' });
    expect(splitTarget(undefined)).toEqual({ rawPath: '/', rawQuery: '' });
  });
});

describe('Function: readBody', () => {
  it('concatenates the chunks of a body within the limit', async () => {
    expect((await readBody(incoming(['ab', 'cd']), 4)).toString()).toBe('abcd');
  });

  it('rejects with PP_ERR_LIMIT once the body passes the limit', async () => {
    const e = await readBody(incoming(['abc', 'de']), 4).catch((err: unknown) => err);
    expect(isPulsepetError(e, 'PP_ERR_LIMIT')).toBe(true);
  });
});

describe('Function: sendResponse', () => {
  it('serialises an object body as JSON with the request id, CORS headers and exact length', async () => {
    const res = await answer({ status: 201, body: { hello: 'wörld' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-amzn-requestid')).toBe('rid-1');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength('{"hello":"wörld"}')));
    expect(await res.json()).toEqual({ hello: 'wörld' });
  });

  it('sends a Buffer as is and keeps a content type the service set, whatever its case', async () => {
    const res = await answer({ status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.from([1, 2]) });
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([1, 2]));
  });
});

describe('Function: gatewayUrl', () => {
  it('reaches a wildcard bind address on loopback and brackets IPv6 hosts', () => {
    expect(gatewayUrl(undefined, 4566)).toBe('http://127.0.0.1:4566');
    expect(gatewayUrl('0.0.0.0', 1)).toBe('http://127.0.0.1:1');
    expect(gatewayUrl('::', 1)).toBe('http://127.0.0.1:1');
    expect(gatewayUrl('::1', 1)).toBe('http://[::1]:1');
    expect(gatewayUrl('pulsepet.local', 80)).toBe('http://pulsepet.local:80');
  });
});

describe('Function: readBodyHashed', () => {
  it('hashes the body chunk by chunk as it reads it and reports each chunk kept', async () => {
    const seen: number[] = [];
    const out = await readBodyHashed(incoming(['ab', 'cd']), 4, (n) => seen.push(n));
    expect(out.body.toString()).toBe('abcd');
    expect(out.sha256).toBe(createHash('sha256').update('abcd').digest('hex'));
    expect(seen).toEqual([2, 2]);
  });

  it('stops reading past the limit, keeping the request open for a polite answer', async () => {
    const req = incoming(['abc', 'de', 'f']);
    const e = await readBodyHashed(req, 4).catch((err: unknown) => err);
    expect(isPulsepetError(e, 'PP_ERR_LIMIT')).toBe(true);
    expect(req.destroyed).toBe(false);
    expect(req.isPaused()).toBe(true);
  });
});
