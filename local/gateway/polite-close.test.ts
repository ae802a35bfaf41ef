import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { streamRequest } from '../../test/support/local/gateway';
import { wireResponse } from './http-io';
import { answerAndLinger, type LingerLimits } from './polite-close';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server that refuses every request at once, without reading its body. */
async function refusingServer(limits?: LingerLimits): Promise<string> {
  server = createServer((req, res) => {
    answerAndLinger(req, res, wireResponse('rid', { status: 413, headers: { 'x-amzn-errortype': 'RequestEntityTooLargeException' }, body: { message: 'too big' } }), limits);
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw client: sends a head declaring `declared` bytes, then `send` bytes, then waits; returns what it read. */
function rawClient(url: string, declared: number, send: number): Promise<{ text: string; error?: string }> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(port), '127.0.0.1');
    let text = '';
    let error: string | undefined;
    s.on('data', (d) => {
      text += d.toString();
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code;
    });
    s.on('close', () => resolve({ text, ...(error ? { error } : {}) }));
    s.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${declared}\r\n\r\n`);
    s.write(Buffer.alloc(send, 0x78));
  });
}

describe('Function: answerAndLinger', () => {
  it('delivers the whole answer with Connection: close while the client is still uploading, without a reset', async () => {
    const url = await refusingServer();
    const out = await streamRequest(url, { path: '/', bodyBytes: 20 * 1024 * 1024 });
    expect(out.status).toBe(413);
    expect(out.headers.connection).toBe('close');
    expect(out.headers['x-amzn-errortype']).toBe('RequestEntityTooLargeException');
    expect(JSON.parse(out.body)).toEqual({ message: 'too big' });
    expect(out.error).toBeUndefined();
  });

  it('reads a client that keeps sending to the end and then closes cleanly', async () => {
    const url = await refusingServer();
    const declared = 4 * 1024 * 1024;
    const { port } = new URL(url);
    const got = await new Promise<string>((resolve) => {
      const s = connect(Number(port), '127.0.0.1');
      let text = '';
      s.on('data', (d) => {
        text += d.toString();
      });
      s.on('close', () => resolve(text));
      s.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${declared}\r\n\r\n`);
      s.end(Buffer.alloc(declared, 0x78));
    });
    expect(got).toMatch(/^HTTP\/1\.1 413 /);
    expect(got).toMatch(/\r\n\r\n\{"message":"too big"\}$/);
  });

  it('closes after the idle limit when the client stops sending, its answer already delivered', async () => {
    const url = await refusingServer({ maxDrainBytes: 1024 * 1024, idleMs: 50, maxMs: 5_000 });
    const started = Date.now();
    const out = await rawClient(url, 1_000_000, 1_000);
    expect(out.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(out.text).toMatch(/connection: close/i);
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('stops draining past its byte bound, having answered first', async () => {
    const url = await refusingServer({ maxDrainBytes: 64 * 1024, idleMs: 5_000, maxMs: 5_000 });
    const started = Date.now();
    const out = await rawClient(url, 10_000_000, 1024 * 1024);
    expect(out.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
