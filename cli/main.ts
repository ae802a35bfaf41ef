import { UsageError } from '../common/cli-config';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  up: { summary: 'start the local IoT Core (broker, shadows, rules, gateway)', load: async () => (await import('./up')).up },
  fleet: { summary: 'provision and manage things and certificates', load: async () => (await import('./fleet')).fleet },
  agent: { summary: 'run the gateway device agent', load: async () => (await import('./agent')).agent },
  'dead-letters': {
    summary: 'inspect rule actions that failed all retries (list | show ID)',
    load: async () => (await import('./dead-letters')).deadLetters,
  },
  bench: { summary: 'run a benchmark (prints JSON)', load: async () => (await import('./bench')).bench },
};

export function usage(): string {
  const lines = ['usage: pulsepet <command> [flags]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', "Run 'pulsepet <command> --help' for a command's flags.");
  return lines.join('\n');
}

/** The CLI entry point; returns the exit code (2 for usage errors). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`pulsepet: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  try {
    return await (await cmd.load())(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`pulsepet ${name}: invalid arguments\n${e.problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 2;
    }
    throw e;
  }
}
