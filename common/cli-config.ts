import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { PulsepetError } from '../protocol/errors';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** Thrown by CLI parsing; `main` prints `problems` and exits 2. */
export class UsageError extends PulsepetError {
  constructor(readonly problems: string[]) {
    super('PP_ERR_CONFIG', problems.join('; '));
    this.name = 'UsageError';
  }
}

/** The default for a command that takes no positional argument: a stray word is refused, not ignored. */
export function noPositional(values: Record<string, unknown>, positionals: string[]): Record<string, unknown> {
  if (positionals.length > 0) throw new UsageError([`unexpected arguments: ${positionals.join(' ')}`]);
  return values;
}

/**
 * Parses argv with node's parseArgs (strict), then validates the result with a zod
 * schema. Every problem is collected, so the user sees them all at once. Positional
 * arguments go to `extra`; without one, any positional argument is refused.
 */
export function parseFlags<S extends z.ZodType>(
  argv: string[],
  flags: FlagSpec,
  schema: S,
  extra: (values: Record<string, unknown>, positionals: string[]) => Record<string, unknown> = noPositional,
): z.infer<S> {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: flags, allowPositionals: true, strict: true }) as {
      values: Record<string, unknown>;
      positionals: string[];
    };
  } catch (e) {
    throw new UsageError([(e as Error).message]);
  }
  const result = schema.safeParse(extra(parsed.values, parsed.positionals));
  if (!result.success) {
    throw new UsageError(
      result.error.issues.map((i) => (i.path.length > 0 ? `--${i.path.join('.')}: ${i.message}` : i.message)),
    );
  }
  return result.data as z.infer<S>;
}
