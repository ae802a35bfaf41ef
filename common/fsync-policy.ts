/**
 * When appended data reaches the disk, shared by the agent's outbox and the local
 * IoT Core's journals (common/journal.ts). `always`: an append resolves after
 * fsync (appends made in the same tick share one fsync — group commit);
 * `interval`: after write(2), with an fsync every `ms` while there is unsynced
 * data; `never`: after write(2) only (fsync on flush and close). Data written with
 * write(2) survives kill -9 of the process (it is in the page cache); only fsync'd
 * data survives power loss or an OS crash, so `interval:MS` bounds that loss to
 * about the last MS milliseconds.
 *
 * @example
 * const p = parseFsyncPolicy('interval:1000'); // { kind: 'interval', ms: 1000 }
 */
import { z } from 'zod';

export type FsyncPolicy = { kind: 'always' } | { kind: 'interval'; ms: number } | { kind: 'never' };

/** The flag syntax, for usage texts and error messages. */
export const FSYNC_POLICY_SYNTAX = 'always | interval:MS | never';

/** The longest fsync interval accepted (one hour). */
export const MAX_FSYNC_INTERVAL_MS = 3_600_000;

/**
 * Parses `always`, `never` or `interval:MS` (1 ≤ MS ≤ 3,600,000); returns an
 * error message for anything else.
 */
export function parseFsyncPolicy(text: string): FsyncPolicy | { error: string } {
  if (text === 'always' || text === 'never') return { kind: text };
  const m = /^interval:(\d{1,7})$/.exec(text);
  const ms = m ? Number(m[1]) : Number.NaN;
  if (ms >= 1 && ms <= MAX_FSYNC_INTERVAL_MS) return { kind: 'interval', ms };
  return { error: `expected ${FSYNC_POLICY_SYNTAX} (1 ≤ MS ≤ ${MAX_FSYNC_INTERVAL_MS}), got ${JSON.stringify(text)}` };
}

/** A flag's text parsed with {@link parseFsyncPolicy}; its error message on failure. */
export const FsyncPolicySchema = z.string().transform((text, ctx): FsyncPolicy => {
  const p = parseFsyncPolicy(text);
  if (!('error' in p)) return p;
  ctx.addIssue({ code: 'custom', message: p.error });
  return z.NEVER;
});

/** `interval:1000`, `always`, `never`: the flag form of a policy. */
export function formatFsyncPolicy(p: FsyncPolicy): string {
  return p.kind === 'interval' ? `interval:${p.ms}` : p.kind;
}
