import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type WatchFrame, watchOutputFromSpec } from './watch-output';

const frame = (mood: 'calm' | 'happy', version: number): WatchFrame => ({ type: 'pet', version, state: { mood, energy: 0.5, message: mood } });

describe('Function: watchOutputFromSpec', () => {
  it('writes one JSON line per frame to stdout', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => {
      text += d.toString();
    });
    const w = watchOutputFromSpec('stdout', out);
    await w.show(frame('calm', 1));
    await w.show(frame('happy', 2));
    expect(text.trim().split('\n').map((l) => (JSON.parse(l) as WatchFrame).state.mood)).toEqual(['calm', 'happy']);
  });

  it('replaces a file with the latest frame', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pp-watch-')), 'pet.json');
    const w = watchOutputFromSpec(`file:${path}`, new PassThrough());
    await w.show(frame('calm', 1));
    await w.show(frame('happy', 2));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(frame('happy', 2));
    expect(statSync(path).isFile()).toBe(true);
  });

  it('POSTs to an HTTP callback and fails when the callback does', async () => {
    const got: string[] = [];
    let status = 200;
    const srv = createServer((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => {
        b += d.toString();
      });
      req.on('end', () => {
        got.push(b);
        res.statusCode = status;
        res.end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const w = watchOutputFromSpec(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/pet`, new PassThrough());
      await w.show(frame('calm', 1));
      expect(JSON.parse(got[0]!)).toEqual(frame('calm', 1));
      status = 500;
      await expect(w.show(frame('happy', 2))).rejects.toThrow(/500/);
    } finally {
      srv.close();
    }
  });
});
