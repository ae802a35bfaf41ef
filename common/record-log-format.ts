/**
 * The record log's on-disk format (common/record-log.ts): segment file names and the
 * framing of one record, `length u32 | crc32 u32 | body`, body = `type u8 | header
 * length u32 | blob count u8 | blob lengths u32… | header JSON | blobs…`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ReplayedRecord } from './record-log';

export const FRAME = 8;
export const SEGMENT_RE = /^seg-(\d{16})\.log$/;

export function encode(type: string, header: Record<string, unknown>, blobs: readonly Buffer[]): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const fixed = 1 + 4 + 1 + 4 * blobs.length;
  let len = fixed + h.length;
  for (const b of blobs) len += b.length;
  const out = Buffer.allocUnsafe(FRAME + len);
  out.writeUInt32LE(len, 0);
  let o = FRAME;
  out[o++] = type.charCodeAt(0);
  out.writeUInt32LE(h.length, o);
  o += 4;
  out[o++] = blobs.length;
  for (const b of blobs) {
    out.writeUInt32LE(b.length, o);
    o += 4;
  }
  h.copy(out, o);
  o += h.length;
  for (const b of blobs) {
    b.copy(out, o);
    o += b.length;
  }
  out.writeUInt32LE(crc32(out.subarray(FRAME)), 4);
  return out;
}

/** Parses one framed record at `offset`; undefined when it is incomplete or fails its CRC. */
export function decode(buf: Buffer, offset: number): { type: string; header: Record<string, unknown>; blobs: Buffer[]; length: number } | undefined {
  if (offset + FRAME > buf.length) return undefined;
  const len = buf.readUInt32LE(offset);
  const end = offset + FRAME + len;
  if (len < 6 || end > buf.length) return undefined;
  const body = buf.subarray(offset + FRAME, end);
  if (crc32(body) !== buf.readUInt32LE(offset + 4)) return undefined;
  const type = String.fromCharCode(body[0] ?? 0);
  const hLen = body.readUInt32LE(1);
  const n = body[5] ?? 0;
  let o = 6 + 4 * n;
  const header = JSON.parse(body.subarray(o, o + hLen).toString('utf8')) as Record<string, unknown>;
  o += hLen;
  const blobs: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const bl = body.readUInt32LE(6 + 4 * i);
    blobs.push(body.subarray(o, o + bl));
    o += bl;
  }
  return { type, header, blobs, length: FRAME + len };
}


/**
 * Reads a record log without opening it for writing (safe while its owner runs: a
 * record being appended at that moment reads as torn and is left out; nothing on disk
 * changes). Returns every record with its blobs, in append order.
 */
export function readRecordLog(dir: string): Array<ReplayedRecord & { blobs: Buffer[] }> {
  const out: Array<ReplayedRecord & { blobs: Buffer[] }> = [];
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => SEGMENT_RE.test(f)).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const seq = Number(SEGMENT_RE.exec(name)?.[1]);
    let buf: Buffer;
    try {
      buf = readFileSync(join(dir, name));
    } catch {
      continue; // deleted since it was listed: all its entries were done
    }
    let offset = 0;
    while (offset < buf.length) {
      const r = decode(buf, offset);
      if (r === undefined) break;
      out.push({ type: r.type, header: r.header, blobs: r.blobs, ref: { segment: seq, offset, length: r.length } });
      offset += r.length;
    }
  }
  return out;
}

