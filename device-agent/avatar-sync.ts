import type { Logger } from '../common/logger';
import type { AvatarRef } from '../protocol/avatar-ref';
import { AvatarDownloadError, type DownloadOutcome, fetchIntoPart } from './avatar-download';
import type { AvatarStore, StoredAvatar } from './avatar-store';
import { ReconnectBackoff } from './backoff';
import type { AgentMetrics } from './metrics';

/** The avatar side of the agent as the shadow sync sees it. */
export interface AvatarPort {
  /** the avatar the watch shows (what `reported.avatar.hash` says) */
  shown(): StoredAvatar | undefined;
  /** the `pet` shadow wants this avatar: download it unless it is shown, on its way, or its URL was refused */
  want(ref: AvatarRef): void;
}

/** The last download's end, for the status server. */
export interface AvatarDownloadStatus {
  hash: string;
  outcome: DownloadOutcome;
  at: number;
  reason?: string;
  /** HTTP GETs it took (a resume after a restart counts in the run that made it) */
  requests: number;
  resumedFrom?: number;
}

export interface AvatarStatus {
  hash?: string;
  downloading?: string;
  lastDownload?: AvatarDownloadStatus;
}

export interface AvatarSyncOptions {
  store: AvatarStore;
  metrics: AgentMetrics;
  logger: Logger;
  /** a new avatar is in the store: show it and report it */
  onChange: () => void;
  /** default 8 MiB (S3 objects of the local stand-in are at most that; a 1024² PNG is ~1–2 MB) */
  maxBytes?: number;
  /** attempts per URL on network errors, default 5, with decorrelated-jitter backoff from `retryBaseMs` (1 s) to `retryCapMs` (30 s) */
  attempts?: number;
  retryBaseMs?: number;
  retryCapMs?: number;
  /** a body silent for this long is cut and resumed (default 30 s) */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
}

interface Job {
  hash: string;
  /** the newest URL the shadow gave for this hash (a later delta may renew it mid-retry) */
  url: string;
  /** the URL the last attempt used (the one a refusal is remembered for) */
  tried?: string;
  abort: AbortController;
  requests: number;
}

/** Outcomes after which the part is worthless (another URL for the same hash must start over). */
const DISCARD: ReadonlySet<DownloadOutcome> = new Set(['too_large', 'bad_type', 'invalid', 'http_error']);

/**
 * Downloads the avatar the `pet` shadow names, once: only when a shadow message
 * (delta or get) names a hash the watch does not show, never by polling. One download at
 * a time; a new hash abandons the old one (its part is kept for a resume). Network
 * failures are retried a bounded number of times with backoff, continuing the part; a
 * refusal that another try cannot fix (an expired presigned URL, a bad image) is logged
 * and counted, and the agent waits for the shadow to name a new URL.
 */
export class AvatarSync implements AvatarPort {
  private job: Job | undefined;
  private running: Promise<void> = Promise.resolve();
  /** hash → the URL that was refused for good */
  private readonly refused = new Map<string, string>();
  private last: AvatarDownloadStatus | undefined;
  private readonly log: Logger;

  constructor(private readonly o: AvatarSyncOptions) {
    this.log = o.logger.child({ component: 'avatar' });
    this.o.metrics.avatarHash = o.store.shown()?.hash;
  }

  shown(): StoredAvatar | undefined {
    return this.o.store.shown();
  }

  want(ref: AvatarRef): void {
    if (this.shown()?.hash === ref.hash) return;
    if (this.job?.hash === ref.hash) {
      this.job.url = ref.url;
      return;
    }
    if (this.refused.get(ref.hash) === ref.url) {
      this.log.debug({ hash: ref.hash }, 'avatar URL refused before; waiting for a new one');
      return;
    }
    this.job?.abort.abort();
    const job: Job = { hash: ref.hash, url: ref.url, abort: new AbortController(), requests: 0 };
    this.job = job;
    this.running = this.running.then(() => this.run(job));
  }

  status(): AvatarStatus {
    return { ...(this.shown() ? { hash: this.shown()?.hash } : {}), ...(this.job ? { downloading: this.job.hash } : {}), ...(this.last ? { lastDownload: { ...this.last } } : {}) };
  }

  /** Abandons a download in progress (its part stays for the next run). */
  async stop(): Promise<void> {
    this.job?.abort.abort();
    await this.running;
  }

  private async run(job: Job): Promise<void> {
    const backoff = new ReconnectBackoff({ baseMs: this.o.retryBaseMs ?? 1_000, capMs: this.o.retryCapMs ?? 30_000, minConnectIntervalMs: 0 });
    const attempts = this.o.attempts ?? 5;
    try {
      for (let attempt = 1; ; attempt++) {
        const err = job.abort.signal.aborted ? new AvatarDownloadError('aborted', 'the download was abandoned') : await this.attempt(job);
        if (err === undefined) return;
        if (!err.retryable || attempt >= attempts) return this.failed(job, err, attempt);
        // the object changed under the part: start over at once; otherwise wait (decorrelated jitter)
        const delay = err.outcome === 'changed' ? 0 : backoff.nextDelayMs();
        this.log.warn({ hash: job.hash, outcome: err.outcome, reason: err.message, attempt, retryInMs: delay }, 'avatar download failed; retrying');
        await sleep(delay, job.abort.signal);
      }
    } finally {
      if (this.job === job) this.job = undefined;
    }
  }

  /** One GET (or none, when the part is already whole), then the check and the commit; the error when it did not end in a new avatar. */
  private async attempt(job: Job): Promise<AvatarDownloadError | undefined> {
    const m = this.o.metrics;
    const onRequest = (): void => {
      job.requests++;
      m.avatarRequests++;
    };
    job.tried = job.url;
    try {
      const opts = { url: job.url, hash: job.hash, store: this.o.store, signal: job.abort.signal, onRequest, fetch: this.o.fetch };
      const r = await fetchIntoPart({ ...opts, maxBytes: this.o.maxBytes ?? 8 * 1024 * 1024, idleTimeoutMs: this.o.idleTimeoutMs ?? 30_000 });
      m.avatarBytes += r.received;
      if (r.resumedFrom > 0) m.avatarResumes++;
      const c = this.o.store.commitPart(job.hash);
      if (!c.ok) return new AvatarDownloadError('invalid', `the image failed verification: ${c.reason}`);
      this.settle(job, 'ok', { resumedFrom: r.resumedFrom });
      m.avatarHash = c.avatar.hash;
      this.log.info({ hash: job.hash, bytes: c.avatar.bytes, resumedFrom: r.resumedFrom, requests: job.requests }, 'avatar downloaded and verified');
      this.o.onChange();
      return undefined;
    } catch (e) {
      if (e instanceof AvatarDownloadError) return e;
      return new AvatarDownloadError('network', `the download failed: ${(e as Error).message}`, { cause: e });
    }
  }

  private failed(job: Job, err: AvatarDownloadError, attempts: number): void {
    if (DISCARD.has(err.outcome)) this.o.store.discardPart(job.hash);
    if (!err.retryable && err.outcome !== 'aborted') this.refused.set(job.hash, job.tried ?? job.url);
    this.settle(job, err.outcome, { reason: err.message });
    const fields = { hash: job.hash, outcome: err.outcome, reason: err.message, attempts };
    if (err.outcome === 'aborted') this.log.info(fields, 'avatar download abandoned (a newer avatar, or the agent stopping); its part is kept');
    else if (err.outcome === 'expired') this.log.warn(fields, 'avatar URL has expired; waiting for a new URL in the pet shadow');
    else this.log.warn(fields, 'avatar download failed; waiting for the pet shadow to name the avatar again');
  }

  private settle(job: Job, outcome: DownloadOutcome, extra: { reason?: string; resumedFrom?: number }): void {
    this.o.metrics.avatarDownloads.set(outcome, (this.o.metrics.avatarDownloads.get(outcome) ?? 0) + 1);
    this.last = { hash: job.hash, outcome, at: Date.now(), requests: job.requests, ...extra };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
