import { inspect } from 'node:util';
import { UsageError } from '../common/cli-config';
import { EXIT_CODES, exitCodeOf } from '../common/exit-codes';
import { type StartupFlags, startupFailureLine } from './startup-failure';

type Command = (argv: string[]) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
  /** what its start-up failures point at (cli/startup-failure.ts) */
  startup?: StartupFlags;
}

const COMMANDS: Record<string, CommandEntry> = {
  up: {
    summary: 'start the local IoT Core (broker, shadows, rules, gateway)',
    load: async () => (await import('./up')).up,
    startup: {
      dirLabel: 'data dir',
      dirFlag: '--data-dir',
      ports: { mqttPort: '--mqtt-port N', httpPort: '--http-port N', httpsPort: '--https-port N' },
      hostFlag: '--host',
    },
  },
  demo: {
    summary: 'the live demo (npm start): IoT Core, six simulated pets, the display',
    load: async () => (await import('./demo')).demo,
  },
  fleet: { summary: 'provision and manage things and certificates', load: async () => (await import('./fleet')).fleet },
  agent: {
    summary: 'run the gateway device agent',
    load: async () => (await import('./agent')).agent,
    startup: { dirLabel: 'outbox', dirFlag: '--outbox', ports: { statusPort: '--status-port N', httpInput: '--input http:N' } },
  },
  'dead-letters': {
    summary: 'inspect and replay rule actions that failed all retries (list | show ID | replay [ID…])',
    load: async () => (await import('./dead-letters')).deadLetters,
    // replay starts the data dir's stack: a locked or unusable dir is one line, not a stack trace
    startup: { dirLabel: 'data dir', dirFlag: '--data-dir', ports: {} },
  },
  simulate: {
    summary: 'run a fleet of simulated devices (--devices N …; seed-history, persona)',
    load: async () => (await import('./simulate')).simulate,
  },
  summarize: {
    summary: "compute and print a thing's daily metrics and anomalies (THING [--date D] [--json])",
    load: async () => (await import('./summarize')).summarize,
  },
  bench: { summary: 'run a benchmark (prints JSON)', load: async () => (await import('./bench')).bench },
};

export function usage(): string {
  const lines = ['usage: pulsepet <command> [flags]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push('', "Run 'pulsepet <command> --help' for a command's flags.");
  return lines.join('\n');
}

/**
 * The CLI entry point; returns the exit code (common/exit-codes.ts): 2 for usage
 * errors, 3–5 with one line for a start-up failure the user can fix, 1 with the
 * stack for anything unexpected.
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? EXIT_CODES.usage : EXIT_CODES.ok;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`pulsepet: unknown command '${name}'\n${usage()}\n`);
    return EXIT_CODES.usage;
  }
  try {
    return await (await cmd.load())(rest);
  } catch (e) {
    process.stderr.write(`pulsepet ${name}: ${failureText(e, cmd)}\n`);
    return exitCodeOf(e) ?? EXIT_CODES.unexpected;
  }
}

function failureText(e: unknown, cmd: CommandEntry): string {
  if (e instanceof UsageError) return `invalid arguments\n${e.problems.map((p) => `  - ${p}`).join('\n')}`;
  const line = startupFailureLine(e, cmd.startup);
  // Anything else is a bug: its stack (and causes) is what a report needs.
  return line ?? `unexpected error — please report it with this output:\n${inspect(e, { depth: 6 })}`;
}
