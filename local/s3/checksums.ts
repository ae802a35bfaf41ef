import { createHash } from 'node:crypto';

/**
 * The additional checksums S3 accepts on upload and returns on download
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html):
 * each is sent base64-encoded in `x-amz-checksum-{algorithm}` (a header or an aws-chunked
 * trailer). CRCs are big-endian, as the SDKs encode them.
 */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** `x-amz-checksum-crc32` for `CRC32`, and so on. */
export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

/** The algorithm a `x-amz-checksum-*` name stands for, if S3 knows it. */
export function algorithmOfHeader(name: string): ChecksumAlgorithm | undefined {
  const upper = name.toLowerCase().replace(/^x-amz-checksum-/, '').toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}

/** A reflected CRC-32 table for a (reflected) polynomial. */
function crc32Table(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

// CRC-32 (ISO-HDLC, poly 0x04C11DB7 reflected) and CRC-32C (Castagnoli, 0x1EDC6F41 reflected)
const CRC32_TABLE = crc32Table(0xedb88320);
const CRC32C_TABLE = crc32Table(0x82f63b78);

function crc32With(table: Uint32Array, data: Uint8Array): Buffer {
  let c = 0xffffffff;
  for (const byte of data) c = (table[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out;
}

// CRC-64/NVME: poly 0xAD93D23594C93659, reflected (0x9A6C9329AC4BC9B5), init and xorout all ones
const CRC64_POLY = 0x9a6c9329ac4bc9b5n;
const MASK64 = 0xffffffffffffffffn;
let crc64Table: BigUint64Array | undefined;

function crc64nvme(data: Uint8Array): Buffer {
  if (crc64Table === undefined) {
    crc64Table = new BigUint64Array(256);
    for (let n = 0; n < 256; n++) {
      let c = BigInt(n);
      for (let k = 0; k < 8; k++) c = c & 1n ? CRC64_POLY ^ (c >> 1n) : c >> 1n;
      crc64Table[n] = c;
    }
  }
  let c = MASK64;
  for (const byte of data) c = (crc64Table[Number((c ^ BigInt(byte)) & 0xffn)] as bigint) ^ (c >> 8n);
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE((c ^ MASK64) & MASK64);
  return out;
}

/** The base64 checksum of `data`, as S3 sends and expects it. */
export function computeChecksum(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  switch (algorithm) {
    case 'CRC32':
      return crc32With(CRC32_TABLE, data).toString('base64');
    case 'CRC32C':
      return crc32With(CRC32C_TABLE, data).toString('base64');
    case 'CRC64NVME':
      return crc64nvme(data).toString('base64');
    case 'SHA1':
      return createHash('sha1').update(data).digest('base64');
    case 'SHA256':
      return createHash('sha256').update(data).digest('base64');
  }
}

/** The MD5 of `data`, hex (an ETag's value) and base64 (`Content-MD5`). */
export function md5(data: Uint8Array): { hex: string; base64: string } {
  const digest = createHash('md5').update(data).digest();
  return { hex: digest.toString('hex'), base64: digest.toString('base64') };
}
