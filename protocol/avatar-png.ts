/**
 * PNG chunks for avatars (PNG spec, W3C 3rd ed., §5 datastream structure, §11.3.3.3 tEXt):
 * the avatar function marks every stored avatar with a tEXt chunk `pulsepet-avatar-hash`
 * holding its hash, and whoever downloads one checks it with {@link verifyAvatarPng}: a
 * whole PNG (signature, every chunk's CRC-32, IHDR first, IEND last, nothing after) that
 * names the hash the shadow names. Pure (Uint8Array, no Node APIs): the agent and the
 * display can use it too.
 */

/** tEXt keyword carrying the avatar's hash (64 hex digits). */
export const AVATAR_HASH_TEXT_KEY = 'pulsepet-avatar-hash';
/** tEXt keyword the local Bedrock stand-in marks its images with (they are drawings, not a model's). */
export const LOCAL_IMAGE_TEXT_KEY = 'pulsepet-local';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface PngChunk {
  type: string;
  data: Uint8Array;
}

export type PngRead = { ok: true; chunks: PngChunk[]; width: number; height: number } | { ok: false; reason: string };

const u32 = (b: Uint8Array, at: number) => (((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number)) >>> 0;
const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

/** The chunks of a PNG, or why the bytes are not a whole, intact PNG. */
export function readPng(bytes: Uint8Array): PngRead {
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b)) return { ok: false, reason: 'not a PNG (signature)' };
  const chunks: PngChunk[] = [];
  let at = SIGNATURE.length;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) return { ok: false, reason: `truncated chunk header at byte ${at}` };
    const length = u32(bytes, at);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) return { ok: false, reason: `truncated chunk at byte ${at}` };
    const typeAndData = bytes.subarray(at + 4, at + 8 + length);
    if (crc32(typeAndData) !== u32(bytes, at + 8 + length)) {
      return { ok: false, reason: `bad CRC in chunk at byte ${at}` };
    }
    const type = latin1(typeAndData.subarray(0, 4));
    chunks.push({ type, data: typeAndData.subarray(4) });
    at = end;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR' || (chunks[0]?.data.length ?? 0) < 8) return { ok: false, reason: 'IHDR is not the first chunk' };
  if (chunks[chunks.length - 1]?.type !== 'IEND') return { ok: false, reason: 'no IEND chunk (truncated)' };
  if (at !== bytes.length) return { ok: false, reason: 'bytes after IEND' };
  const ihdr = chunks[0].data;
  return { ok: true, chunks, width: u32(ihdr, 0), height: u32(ihdr, 4) };
}

function chunkBytes(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

function textData(keyword: string, text: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword) || keyword.startsWith(' ') || keyword.endsWith(' ')) throw new Error(`not a tEXt keyword: ${JSON.stringify(keyword)}`);
  if (!/^[\x20-\x7e\n]*$/.test(text)) throw new Error('tEXt text must be printable ASCII');
  return Uint8Array.from(`${keyword}\0${text}`, (c) => c.charCodeAt(0));
}

/** The tEXt entries of an intact PNG (keyword → text); undefined when the bytes are not one. */
export function pngText(bytes: Uint8Array): Record<string, string> | undefined {
  const r = readPng(bytes);
  if (!r.ok) return undefined;
  const out: Record<string, string> = {};
  for (const c of r.chunks) {
    if (c.type !== 'tEXt') continue;
    const nul = c.data.indexOf(0);
    if (nul > 0) out[latin1(c.data.subarray(0, nul))] = latin1(c.data.subarray(nul + 1));
  }
  return out;
}

/**
 * The PNG with these tEXt entries (printable ASCII) before IEND, replacing entries of
 * the same keywords; throws when the bytes are not an intact PNG.
 */
export function withPngText(bytes: Uint8Array, entries: Readonly<Record<string, string>>): Uint8Array {
  const r = readPng(bytes);
  if (!r.ok) throw new Error(`cannot mark the image: ${r.reason}`);
  const replaced = new Set(Object.keys(entries));
  const kept = r.chunks.filter((c) => c.type !== 'IEND' && !(c.type === 'tEXt' && replaced.has(latin1(c.data.subarray(0, Math.max(0, c.data.indexOf(0)))))));
  const parts = [SIGNATURE, ...kept.map((c) => chunkBytes(c.type, c.data)), ...Object.entries(entries).map(([k, v]) => chunkBytes('tEXt', textData(k, v))), chunkBytes('IEND', new Uint8Array())];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Checks a downloaded avatar: an intact PNG whose `pulsepet-avatar-hash` is `hash`.
 * @example if (!verifyAvatarPng(bytes, shadow.avatar.hash).ok) discardAndRetry();
 */
export function verifyAvatarPng(bytes: Uint8Array, hash: string): { ok: true; width: number; height: number } | { ok: false; reason: string } {
  const r = readPng(bytes);
  if (!r.ok) return r;
  const named = pngText(bytes)?.[AVATAR_HASH_TEXT_KEY];
  if (named === undefined) return { ok: false, reason: `no ${AVATAR_HASH_TEXT_KEY} text chunk` };
  if (named !== hash) return { ok: false, reason: `the image is avatar ${named}, not ${hash}` };
  return { ok: true, width: r.width, height: r.height };
}
