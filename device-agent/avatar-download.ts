import { open } from 'node:fs/promises';
import { type ErrorCode, PulsepetError } from '../protocol/errors';
import type { AvatarStore } from './avatar-store';

/**
 * How one avatar download ended. `ok`; refused for good (until the shadow names another
 * URL): `expired` (a presigned URL past its time: S3 answers 403 `AccessDenied` "Request
 * has expired"), `denied` (another 403), `not_found` (404), `http_error` (another 4xx),
 * `too_large`, `bad_type` (not `image/png`), `invalid` (not an intact PNG marked with the
 * hash); worth another attempt: `network` (a failed or cut connection, a stalled body),
 * `server_error` (5xx, 429), `changed` (the object is not the one the part began with);
 * `aborted` (the pet wanted another avatar meanwhile).
 */
export const DOWNLOAD_OUTCOMES = ['ok', 'expired', 'denied', 'not_found', 'http_error', 'too_large', 'bad_type', 'invalid', 'network', 'server_error', 'changed', 'aborted'] as const;
export type DownloadOutcome = (typeof DOWNLOAD_OUTCOMES)[number];

const CODE_OF: Record<Exclude<DownloadOutcome, 'ok'>, ErrorCode> = {
  expired: 'PP_ERR_UNAUTHORIZED',
  denied: 'PP_ERR_UNAUTHORIZED',
  not_found: 'PP_ERR_NOT_FOUND',
  http_error: 'PP_ERR_VALIDATION',
  too_large: 'PP_ERR_VALIDATION',
  bad_type: 'PP_ERR_VALIDATION',
  invalid: 'PP_ERR_VALIDATION',
  network: 'PP_ERR_TRANSPORT',
  server_error: 'PP_ERR_TRANSPORT',
  changed: 'PP_ERR_TRANSPORT',
  aborted: 'PP_ERR_TRANSPORT',
};

/** A download that did not finish: its outcome, and whether another attempt may help. */
export class AvatarDownloadError extends PulsepetError {
  constructor(
    readonly outcome: Exclude<DownloadOutcome, 'ok'>,
    message: string,
    opts: { cause?: unknown; status?: number } = {},
  ) {
    const retryable = outcome === 'network' || outcome === 'server_error' || outcome === 'changed';
    super(CODE_OF[outcome], message, { cause: opts.cause, retryable, details: { outcome, status: opts.status } });
    this.name = 'AvatarDownloadError';
  }
}

export interface FetchPartOptions {
  url: string;
  hash: string;
  store: AvatarStore;
  /** largest avatar accepted, in bytes */
  maxBytes: number;
  /** a body that sends nothing for this long is cut (and resumed by the next attempt) */
  idleTimeoutMs: number;
  signal: AbortSignal;
  /** called as each GET is sent (request counting) */
  onRequest?: (range: string | undefined) => void;
  fetch?: typeof fetch;
}

/** What one attempt did: whether it sent a request, from which byte, and what it received. */
export interface FetchPartResult {
  requested: boolean;
  /** the byte the download continued from (0: from the start) */
  resumedFrom: number;
  received: number;
  total: number;
}

/**
 * One attempt to complete `{hash}.part` from `url` with a plain HTTP GET (an S3 presigned
 * URL needs no signing by the agent). A part already on disk is continued with
 * `Range: bytes={size}-` and `If-Match: {etag}` (RFC 9110 §14.2, §13.1.1; S3 GetObject
 * supports both), so the bytes already here are never fetched twice; a 200 answer (a
 * server that ignores ranges) starts the part over. Resolves once the part holds the
 * whole object; throws an {@link AvatarDownloadError} otherwise, keeping what arrived.
 */
export async function fetchIntoPart(o: FetchPartOptions): Promise<FetchPartResult> {
  let offset = o.store.partSize(o.hash);
  const meta = o.store.readPartMeta(o.hash);
  if (offset > 0 && meta.total !== undefined && offset === meta.total) return { requested: false, resumedFrom: offset, received: 0, total: offset };
  if (offset > 0 && (meta.total === undefined || offset > meta.total)) {
    o.store.discardPart(o.hash); // a part whose object is unknown cannot be continued safely
    offset = 0;
  }
  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-`, ...(meta.etag ? { 'if-match': meta.etag } : {}) } : {};
  const idle = new IdleAbort(o.idleTimeoutMs, o.signal);
  try {
    o.onRequest?.(headers.range);
    const res = await (o.fetch ?? fetch)(o.url, { headers, signal: idle.signal }).catch((e: unknown) => {
      throw idle.error(e, 'the request failed');
    });
    if (res.status !== 200 && res.status !== 206) {
      if (res.status === 412 || res.status === 416) o.store.discardPart(o.hash);
      throw await refusal(res);
    }
    const start = res.status === 206 ? contentRangeStart(res) : 0;
    if (start !== offset && res.status === 206) {
      o.store.discardPart(o.hash);
      throw new AvatarDownloadError('changed', `asked for bytes from ${offset}, got a range from ${start}`, { status: 206 });
    }
    const total = checkEntity(res, start, o.maxBytes);
    if (start === 0 || meta.total !== total || meta.etag !== (res.headers.get('etag') ?? undefined)) {
      const etag = res.headers.get('etag');
      o.store.writePartMeta(o.hash, { total, ...(etag ? { etag } : {}) });
    }
    const received = await streamInto(res, o.store.partPath(o.hash), start === 0 ? 'w' : 'a', total - start, idle);
    return { requested: true, resumedFrom: start, received, total };
  } finally {
    idle.clear();
  }
}

/** An abort signal that fires when the caller aborts or nothing arrives for `ms`. */
class IdleAbort {
  private readonly ctl = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private stalled = false;
  private readonly onOuter = () => this.ctl.abort();

  constructor(
    private readonly ms: number,
    private readonly outer: AbortSignal,
  ) {
    if (outer.aborted) this.ctl.abort();
    else outer.addEventListener('abort', this.onOuter, { once: true });
    this.touch();
  }

  get signal(): AbortSignal {
    return this.ctl.signal;
  }

  touch(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.ctl.abort();
    }, this.ms);
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
    this.outer.removeEventListener('abort', this.onOuter);
  }

  /** The error for a failure while this signal was live: aborted by the caller, stalled, or the network. */
  error(cause: unknown, what: string): AvatarDownloadError {
    if (cause instanceof AvatarDownloadError) return cause;
    if (this.outer.aborted) return new AvatarDownloadError('aborted', 'the download was abandoned', { cause });
    if (this.stalled) return new AvatarDownloadError('network', `${what}: nothing arrived for ${this.ms} ms`, { cause });
    return new AvatarDownloadError('network', `${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** The error an answer other than 200/206 stands for; S3's XML `<Code>`/`<Message>` tell an expired URL from other refusals. */
async function refusal(res: Response): Promise<AvatarDownloadError> {
  const text = (await res.text().catch(() => '')).slice(0, 4096);
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  const said = `${res.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  const status = res.status;
  if (status === 403 && /request has expired/i.test(message ?? '')) return new AvatarDownloadError('expired', `the avatar URL has expired (${said})`, { status });
  if (status === 401 || status === 403) return new AvatarDownloadError('denied', `the avatar URL was refused (${said})`, { status });
  if (status === 404) return new AvatarDownloadError('not_found', `no avatar at the URL (${said})`, { status });
  if (status === 412 || status === 416) return new AvatarDownloadError('changed', `the object changed since the part began (${said})`, { status });
  if (status === 408 || status === 429 || status >= 500) return new AvatarDownloadError('server_error', `the server failed (${said})`, { status });
  return new AvatarDownloadError('http_error', `unexpected answer ${said}`, { status });
}

/** `Content-Range: bytes {start}-{end}/{size}` → start. */
function contentRangeStart(res: Response): number {
  const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
  return m ? Number(m[1]) : -1;
}

/** The object's whole length, after checking the type and the size limit. */
function checkEntity(res: Response, start: number, maxBytes: number): number {
  const type = res.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (type !== undefined && type !== 'image/png') throw new AvatarDownloadError('bad_type', `the avatar is ${type}, not image/png`, { status: res.status });
  const range = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
  const length = res.headers.get('content-length');
  const total = res.status === 206 ? Number(range?.[1] ?? Number.NaN) : length === null ? Number.NaN : Number(length);
  if (!Number.isSafeInteger(total)) throw new AvatarDownloadError('http_error', 'the answer does not state the object length', { status: res.status });
  if (total > maxBytes) throw new AvatarDownloadError('too_large', `the avatar is ${total} bytes, over the limit of ${maxBytes}`, { status: res.status });
  if (start >= total && total > 0) throw new AvatarDownloadError('changed', `a range from ${start} of a ${total}-byte object`, { status: res.status });
  return total;
}

/** Appends the body to the part as it arrives; a body longer or shorter than announced is an error. */
async function streamInto(res: Response, path: string, mode: 'w' | 'a', expected: number, idle: IdleAbort): Promise<number> {
  const fh = await open(path, mode, 0o600);
  let received = 0;
  try {
    if (!res.body) throw new AvatarDownloadError('network', 'the answer has no body');
    const reader = res.body.getReader();
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        idle.touch();
        received += r.value.length;
        if (received > expected) throw new AvatarDownloadError('too_large', `the body is longer than the ${expected} bytes announced`);
        await fh.write(r.value);
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
  } catch (e) {
    throw idle.error(e, `the body was cut after ${received} bytes`);
  } finally {
    await fh.close();
  }
  if (received !== expected) throw new AvatarDownloadError('network', `the body ended after ${received} of ${expected} bytes`);
  return received;
}
