import { join, resolve } from 'node:path';
import { z } from 'zod';
import { parseFlags, UsageError } from '../common/cli-config';
import { type DeadLetter, readDeadLetters as readRulesDeadLetters } from '../local/rules/index';
import { startPulsepetStack } from './pulsepet-stack';

/**
 * Reads the dead-letter queue of a data dir without opening it for writing, so it is
 * safe while `pulsepet up` runs (local/rules/dead-letters.ts).
 */
export function readDeadLetters(dataDir: string): DeadLetter[] {
  return readRulesDeadLetters(join(dataDir, 'rules'));
}

/** Decodes a base64 payload for display: the UTF-8 text, or `base64:…` when it is not text. */
function decodePayload(b64: string): string {
  const buf = Buffer.from(b64, 'base64');
  const text = buf.toString('utf8');
  const control = [...text].some((c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 && c !== '\n' && c !== '\r' && c !== '\t';
  });
  return Buffer.from(text, 'utf8').equals(buf) && !control ? text : `base64:${b64}`;
}

const Flags = z.object({
  'data-dir': z.string().min(1).default('.pulsepet'),
  help: z.boolean().default(false),
  command: z.enum(['list', 'show', 'replay']).optional(),
  ids: z.array(z.string().min(1)),
});

export const DEAD_LETTERS_USAGE = `usage: pulsepet dead-letters list [--data-dir DIR]
       pulsepet dead-letters show ID [--data-dir DIR]
       pulsepet dead-letters replay [ID...] [--data-dir DIR]

Inspects the rules runtime's dead-letter queue: rule actions and Lambda invocations
that failed for good (after Lambda's two async retries, or refused by a full queue).
'list' prints one JSON line per letter; 'show' prints one letter with its payloads
decoded. 'replay' runs the failed action of each letter again (all of them without
IDs), once, through the data dir's own stack started on free ports with devices kept
out, while 'pulsepet up' is stopped: a letter whose action succeeds is removed, one that
fails again stays with the new error. One JSON line per letter; exit 1 if any failed or
was not found.
`;

/** `pulsepet dead-letters …`: returns the exit code (2 for usage errors, 1 for an unknown id). */
export async function deadLetters(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const flags = parseFlags(argv, { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, Flags, (v, p) => ({
    ...v,
    command: p[0],
    ids: p.slice(1),
  }));
  if (flags.help) {
    out.write(DEAD_LETTERS_USAGE);
    return 0;
  }
  if (flags.command === undefined) throw new UsageError(['a command is required: list, show or replay']);
  if (flags.command === 'replay') return replay(resolve(flags['data-dir']), flags.ids, out);
  const letters = readDeadLetters(resolve(flags['data-dir']));
  if (flags.command === 'list') {
    for (const d of letters) {
      const { base64OriginalPayload: _o, base64ActionPayload: _a, request: _r, ...summary } = d;
      out.write(`${JSON.stringify({ ...summary, createdAt: new Date(d.createdAt).toISOString() })}\n`);
    }
    return 0;
  }
  const [id] = flags.ids;
  if (id === undefined) throw new UsageError(['show needs the id of a dead letter']);
  const d = letters.find((x) => x.id === id);
  if (d === undefined) {
    out.write(`no dead letter ${id}\n`);
    return 1;
  }
  const shown = { ...d, createdAt: new Date(d.createdAt).toISOString(), originalPayload: decodePayload(d.base64OriginalPayload), actionPayload: decodePayload(d.base64ActionPayload) };
  out.write(`${JSON.stringify(shown, null, 2)}\n`);
  return 0;
}

/**
 * Replays letters through the data dir's own stack: the functions, rules and stores the
 * actions need, on free ports, with devices kept out and the env file left alone. Taking
 * the data dir's lock refuses it while `pulsepet up` runs.
 */
async function replay(dataDir: string, ids: readonly string[], out: NodeJS.WritableStream): Promise<number> {
  const stack = await startPulsepetStack({ dataDir, holdIntake: true, writeEnvFile: false, displayDir: false });
  try {
    // which letters exist, from the queue's index: listing them would read every payload from disk
    const missing = ids.filter((id) => !stack.rules.hasDeadLetter(id));
    const r = await stack.rules.replayDeadLetters(ids.length > 0 ? ids : undefined);
    for (const id of r.replayed) out.write(`${JSON.stringify({ id, outcome: 'replayed' })}\n`);
    for (const f of r.failed) out.write(`${JSON.stringify({ id: f.id, outcome: 'failed', errorMessage: f.errorMessage })}\n`);
    for (const id of missing) out.write(`${JSON.stringify({ id, outcome: 'not-found' })}\n`);
    return r.failed.length > 0 || missing.length > 0 ? 1 : 0;
  } finally {
    await stack.close();
  }
}
