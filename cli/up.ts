import { resolve } from 'node:path';
import { z } from 'zod';
import { parseFlags } from '../common/cli-config';
import { FsyncPolicySchema } from '../common/fsync-policy';
import { createLogger } from '../common/logger';
import { BedrockFaultsSchema, DEFAULT_REGION, type LocalStack } from '../local/index';
import { DEFAULT_QUEUE_LIMITS, DEFAULT_SHADOW_FSYNC } from '../local/index';
import { DISPLAY_PATH } from '../protocol/display-config';
import { startPulsepetStack } from './pulsepet-stack';

const port = z.coerce.number().int().min(0).max(65_535);

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
/** A byte count: `N`, or `N` followed by k, M or G (binary units), at least 1 MiB. */
const byteSize = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const m = /^(\d+)([kmg]?)(i?b)?$/i.exec(String(v).trim());
    const n = m ? Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? Number.NaN) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1024 ** 2) {
      ctx.addIssue({ code: 'custom', message: `expected a size of at least 1M such as 512M or 2G, got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    return n;
  });

const UpFlags = z.object({
  'data-dir': z.string().min(1).default('.pulsepet'),
  'mqtt-port': port.default(8883),
  'http-port': port.default(8080),
  'https-port': port.optional(),
  host: z.string().min(1).default('127.0.0.1'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not an AWS region name').default(DEFAULT_REGION),
  'shadow-fsync': FsyncPolicySchema.default(DEFAULT_SHADOW_FSYNC),
  'lambda-queue-max-bytes': byteSize.default(DEFAULT_QUEUE_LIMITS.maxBytes),
  'lambda-queue-memory-bytes': byteSize.default(DEFAULT_QUEUE_LIMITS.memoryBytes),
  'bedrock-faults': BedrockFaultsSchema.optional(),
  'broker-process': z.boolean().default(false),
  json: z.boolean().default(false),
  'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  help: z.boolean().default(false),
})
  .refine((f) => f['mqtt-port'] === 0 || f['mqtt-port'] !== f['http-port'], {
    message: 'must differ from --mqtt-port (0 picks a free port)',
    path: ['http-port'],
  })
  .refine((f) => !f['https-port'] || (f['https-port'] !== f['http-port'] && f['https-port'] !== f['mqtt-port']), {
    message: 'must differ from --http-port and --mqtt-port (0 picks a free port)',
    path: ['https-port'],
  });

const FLAGS = {
  'data-dir': { type: 'string' },
  'mqtt-port': { type: 'string' },
  'http-port': { type: 'string' },
  'https-port': { type: 'string' },
  host: { type: 'string' },
  region: { type: 'string' },
  'shadow-fsync': { type: 'string' },
  'lambda-queue-max-bytes': { type: 'string' },
  'lambda-queue-memory-bytes': { type: 'string' },
  'bedrock-faults': { type: 'string' },
  'broker-process': { type: 'boolean' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const UP_USAGE = `usage: pulsepet up [--data-dir DIR] [--mqtt-port N] [--http-port N] [--https-port N] [--host H]
                   [--region R] [--shadow-fsync always|interval:MS|never] [--lambda-queue-max-bytes SIZE]
                   [--lambda-queue-memory-bytes SIZE] [--bedrock-faults F] [--broker-process]
                   [--json] [--log-level L]

Starts the local IoT Core: the mTLS MQTT broker (policy-enforcing), device shadows,
the rules runtime, the telemetry store and the AWS-compatible HTTP gateway (with a
local Bedrock Converse service answered by a deterministic coach, not an LLM).
  --data-dir DIR    state, CA, credentials (default .pulsepet)
  --mqtt-port N     MQTT over TLS port (default 8883; 0 = any free port)
  --http-port N     HTTP gateway port, also MQTT over WebSocket at /mqtt and the pet display
                    at /display/ (default 8080; 0 = any free port)
  --https-port N    the same over HTTPS, wss://…/mqtt included, with a certificate of the
                    data dir's CA (ca/root-ca.pem) for --host, 127.0.0.1 and localhost
                    (default: no HTTPS; 0 = any free port)
  --shadow-fsync P  when a shadow update is acknowledged (accepted/delta published,
                    HTTP answered): interval:MS (default interval:1000) after write(2),
                    which survives kill -9, with an fsync every MS so power loss or an OS
                    crash takes at most about MS of updates; always: after fsync, which
                    survives those too; never: after write(2), fsync only at shutdown
  --lambda-queue-max-bytes SIZE
                    disk bound of the Lambda service's asynchronous event queue (default 1G);
                    when full, rule actions fail into their errorAction as on Lambda throttling
  --lambda-queue-memory-bytes SIZE
                    queued events kept in memory (default 64M); the rest are read back from disk
  --bedrock-faults F
                    faults the local Bedrock service injects per request, e.g.
                    throttle=0.3,malformed=0.1,latency=2s (probabilities 0-1 of a
                    ThrottlingException and of a forced tool's input breaking its schema; a
                    delay up to 60s; seed=N repeats a run's faults); shown in the ready line
  --broker-process  run the MQTT broker in a process of its own: its connections' TLS
                    state, sessions and subscriptions live there, beside the rest of the
                    stack (for large fleets); if it exits, up stops with exit code 1
  --json            print the ready line as one JSON object on stdout

Exit codes: 0 stopped by SIGINT/SIGTERM, 1 a part of the stack failed, 2 bad flags, 3 a port cannot be listened on,
4 the data dir is locked by a running up, not writable or of a newer pulsepet,
5 a corrupt file in the data dir (each with one line naming the flag or file).
`;

/** `pulsepet up`: starts the stack, prints one ready line, runs until SIGINT/SIGTERM. */
export async function up(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS, UpFlags);
  if (flags.help) {
    process.stdout.write(UP_USAGE);
    return 0;
  }
  const logger = createLogger('pulsepet-up', { level: flags['log-level'] });
  // bound once the stop path exists: a part of the stack that fails stops the rest (exit 1)
  let failed = (_err: Error): void => {};
  const stack = await startPulsepetStack({
    ...(flags['broker-process'] ? { brokerProcess: true, onFailure: (err: Error) => failed(err) } : {}),
    dataDir: resolve(flags['data-dir']),
    mqttPort: flags['mqtt-port'],
    httpPort: flags['http-port'],
    ...(flags['https-port'] === undefined ? {} : { httpsPort: flags['https-port'] }),
    host: flags.host,
    region: flags.region,
    shadowFsync: flags['shadow-fsync'],
    lambdaQueue: { maxBytes: flags['lambda-queue-max-bytes'], memoryBytes: flags['lambda-queue-memory-bytes'] },
    ...(flags['bedrock-faults'] ? { bedrockFaults: flags['bedrock-faults'] } : {}),
    logger,
  });
  const ready = readyLine(stack, flags['bedrock-faults']);
  // Signal handlers first: a supervisor may send SIGTERM as soon as it reads the ready line.
  const stopped = new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string, code = 0) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      stack.close().then(
        () => {
          logger.flush();
          done(code);
        },
        (e: unknown) => {
          logger.error({ err: e }, 'shutdown failed');
          logger.flush();
          done(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    failed = (err) => {
      logger.error({ err }, 'a part of the stack failed; stopping');
      stop('failure', 1);
    };
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } else {
    const https = stack.httpsEndpoint ? `, https ${stack.httpsEndpoint}` : '';
    const display = [stack.httpEndpoint, ...(stack.httpsEndpoint ? [stack.httpsEndpoint] : [])].map((u) => `${u}${DISPLAY_PATH}`).join(' and ');
    process.stdout.write(`pulsepet local IoT Core ready: mqtt ${stack.mqttEndpoint}, http ${stack.httpEndpoint}${https}, pet display ${display} — run: source ${stack.envFile}\n`);
  }
  return await stopped;
}

/**
 * The `--json` ready object; `httpsEndpoint` only with `--https-port`, `bedrockFaults` only
 * when faults are set (the other keys are a contract).
 */
function readyLine(stack: LocalStack, bedrockFaults: unknown): Record<string, unknown> {
  return {
    event: 'ready',
    mqttEndpoint: stack.mqttEndpoint,
    httpEndpoint: stack.httpEndpoint,
    ...(stack.httpsEndpoint ? { httpsEndpoint: stack.httpsEndpoint } : {}),
    caFile: stack.caFile,
    region: stack.region,
    accessKeyId: stack.credentials.accessKeyId,
    secretAccessKey: stack.credentials.secretAccessKey,
    envFile: stack.envFile,
    ...(bedrockFaults ? { bedrockFaults } : {}),
  };
}
