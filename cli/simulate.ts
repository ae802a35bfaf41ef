/**
 * `pulsepet simulate` — fleets of simulated devices against IoT Core (local or AWS):
 * the run form (cli/simulate/run.ts), `seed-history` (past days into Timestream, then
 * the daily summary) and `persona` (the coach persona in a thing's `config` shadow).
 */
import { SCENARIO_CHOICES } from '../simulators/index';
import { EXIT_LOSSES, EXIT_NOT_CONNECTED, type SimulateIo, simulateRun } from './simulate/run';
import { simulatePersona } from './simulate/persona';
import { simulateSeedHistory } from './simulate/seed-history';

export const SIMULATE_USAGE = `usage: pulsepet simulate --devices N [--scenario ${SCENARIO_CHOICES.join('|')}|A,B,…] [--prefix sim-]
                         [--sample-interval 1s] [--batch-interval 30s] [--duration 10m] [--speedup K]
                         [--scenario-start T] [--connect-rate R] [--seed S] [--state-dir DIR]
                         [--root-ca FILE] [--settle 30s] [--json]
       pulsepet simulate seed-history --thing T [--days 14] [--scenario burnout|illness|ordinary]
                         [--persona BODY] [--seed S] [--before DAY] [--sample-interval 10s] [--json]
       pulsepet simulate persona --thing T strict|encouraging [--json]

Runs N simulated devices, each a real device: its own thing, certificate and mTLS
connection under the pulsepet-device policy (provisioned through the IoT API on first
use and kept in --state-dir, default .pulsepet/simulate, for the next run). Each plays
a labelled scenario (mix deals the seven across the fleet, a comma-separated list deals
those in turn) on a body persona dealt by --seed, publishes telemetry v1 batches
at QoS 1, follows its config shadow and reports its pet shadow. --speedup K plays
scenario time K times faster, starting (K-1) x duration in the past so no sample is in
the future; --scenario-start T (ISO 8601 or epoch ms, not in the future) starts it at T
instead, to carry on an earlier run's timeline (it then runs at 1x once it reaches
now). A progress line a second goes to stderr (JSON with --json); the run ends with
one JSON summary on stdout, after checking every acknowledged sample against
Timestream. Ctrl-C stops cleanly and still prints it.

seed-history writes past days of a thing's history and summarizes each; by default for
the body 'simulate --seed S' plays for that thing (--persona BODY: athlete, young,
office, older, low-hrv), so the pet is judged against the history of its own body.

Endpoint and credentials come from the standard AWS environment (source the env file
'pulsepet up' wrote); PULSEPET_ROOT_CA and PULSEPET_MQTT_ENDPOINT from it as well.

Exit codes: 0 ok, 2 bad flags or an AWS call that failed, ${EXIT_LOSSES} acknowledged samples
missing from the store (losses > 0), ${EXIT_NOT_CONNECTED} no device ever connected (the broker's
address or CA is wrong, or it is down).
`;

/** `pulsepet simulate …`: returns the exit code. */
export async function simulate(argv: string[]): Promise<number> {
  const io = { env: process.env, stdout: process.stdout, stderr: process.stderr };
  // only the run form stops cleanly on Ctrl-C; the others keep the default (exit at once)
  if (argv[0] === 'seed-history' || argv[0] === 'persona') return runSimulate(argv, io);
  const ac = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      process.stderr.write('stopping: waiting for in-flight PUBACKs, then checking the store (Ctrl-C again to quit at once)\n');
      ac.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runSimulate(argv, { ...io, signal: ac.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The command with its environment, streams and stop signal passed in (tests run it in-process). */
export async function runSimulate(argv: string[], io: SimulateIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || argv.includes('--help') || argv.includes('-h') || sub === 'help') {
    io.stdout.write(SIMULATE_USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'seed-history') return simulateSeedHistory(rest, io);
  if (sub === 'persona') return simulatePersona(rest, io);
  return simulateRun(argv, io);
}
