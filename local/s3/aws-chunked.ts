import { S3Error } from './s3-errors';

/**
 * The `aws-chunked` content encoding S3 uploads may use
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
 * sigv4-streaming-trailers.html): `hex-size[;chunk-signature=…]\r\n data \r\n`
 * chunks, a zero-size chunk, then trailer lines `name:value\r\n` and an empty line.
 * The SDKs send it for stream bodies with `x-amz-content-sha256:
 * STREAMING-UNSIGNED-PAYLOAD-TRAILER` and the checksum as a trailer.
 */
export interface DecodedChunks {
  data: Buffer;
  /** trailer headers, names lower-cased */
  trailers: Map<string, string>;
  /** whether any chunk carried a `chunk-signature` */
  signed: boolean;
}

const CRLF = Buffer.from('\r\n');

function malformed(what: string): S3Error {
  return new S3Error(400, 'IncompleteBody', `The aws-chunked request body is malformed: ${what}`);
}

/** The line starting at `at` (without its CRLF) and where the next one starts. */
function lineAt(body: Buffer, at: number): { line: string; next: number } | undefined {
  const end = body.indexOf(CRLF, at);
  if (end < 0) return undefined;
  return { line: body.subarray(at, end).toString('latin1'), next: end + 2 };
}

/** Decodes an `aws-chunked` body; a framing error is S3's 400 `IncompleteBody`. */
export function decodeAwsChunked(body: Buffer): DecodedChunks {
  const parts: Buffer[] = [];
  let at = 0;
  let signed = false;
  for (;;) {
    const head = lineAt(body, at);
    if (!head) throw malformed('a chunk header is missing');
    const [sizeHex = '', ...ext] = head.line.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeHex.trim())) throw malformed(`bad chunk size '${sizeHex.slice(0, 20)}'`);
    if (ext.some((e) => e.trim().startsWith('chunk-signature='))) signed = true;
    const size = Number.parseInt(sizeHex, 16);
    at = head.next;
    if (size === 0) break;
    if (at + size + 2 > body.length) throw malformed('a chunk is shorter than its size');
    parts.push(body.subarray(at, at + size));
    at += size;
    if (!body.subarray(at, at + 2).equals(CRLF)) throw malformed('a chunk does not end with CRLF');
    at += 2;
  }
  const trailers = new Map<string, string>();
  while (at < body.length) {
    const t = lineAt(body, at);
    if (!t || t.line === '') break;
    const colon = t.line.indexOf(':');
    if (colon <= 0) throw malformed(`bad trailer line '${t.line.slice(0, 40)}'`);
    trailers.set(t.line.slice(0, colon).trim().toLowerCase(), t.line.slice(colon + 1).trim());
    at = t.next;
  }
  return { data: Buffer.concat(parts), trailers, signed };
}
