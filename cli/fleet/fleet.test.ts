import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textSink as sink } from '../../test/support/fleet';
import { createCsr, verifyIssuedBy } from '../../certs/index';
import { startTestGateway, type TestGateway } from '../../test/support/local/gateway';
import { DEVICE_POLICY_NAME, devicePolicyDocument } from '../../protocol/policies';
import { runFleet } from '../fleet';
import { provisionThing } from './provision';
import { DeviceConfigSchema } from './files';

let t: TestGateway;
let work: string;
let caFile: string;

beforeAll(async () => {
  t = await startTestGateway({ mqttAddress: 'localhost:18883' });
  await t.registry.createPolicy(DEVICE_POLICY_NAME, devicePolicyDocument());
  work = mkdtempSync(join(tmpdir(), 'pp-fleet-'));
  caFile = join(work, 'root-ca.pem');
  writeFileSync(caFile, t.ca.certificatePem);
});
afterAll(async () => {
  await t.close();
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    AWS_ENDPOINT_URL: t.gateway.url,
    AWS_REGION: t.region,
    AWS_ACCESS_KEY_ID: t.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.credentials.secretAccessKey,
    PULSEPET_ROOT_CA: caFile,
    ...overrides,
  };
}

async function run(
  argv: string[],
  opts: { env?: Record<string, string | undefined>; sleep?: (ms: number) => Promise<void> } = {},
): Promise<{ code: number; out: string; err: string }> {
  const stdout = sink();
  const stderr = sink();
  const code = await runFleet(argv, {
    env: opts.env ?? env(),
    stdout,
    stderr,
    ...(opts.sleep ? { sleep: opts.sleep } : {}),
  });
  return { code, out: stdout.text(), err: stderr.text() };
}

const mode = (p: string) => statSync(p).mode & 0o777;

describe('Command: fleet provision', () => {
  it('creates thing, ACTIVE certificate, policy and attachment, and writes the agent files', async () => {
    const out = join(work, 'pet-1');
    const r = await run(['provision', 'pet-1', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^provisioned pet-1: certificate [0-9a-f]{64} ACTIVE, policy pulsepet-device, endpoint mqtts:\/\/localhost:18883/);
    const config = DeviceConfigSchema.parse(JSON.parse(readFileSync(join(out, 'pet-1.config.json'), 'utf8')));
    expect(config).toMatchObject({
      thing: 'pet-1',
      endpoint: 'mqtts://localhost:18883',
      cert: resolve(out, 'pet-1.cert.pem'),
      key: resolve(out, 'pet-1.private.key'),
      ca: resolve(out, 'root-ca.pem'),
      region: 'us-east-1',
    });
    expect(mode(config.key)).toBe(0o600);
    expect(readFileSync(config.key, 'utf8')).toContain('PRIVATE KEY');
    expect(readFileSync(config.ca, 'utf8')).toBe(t.ca.certificatePem);
    expect(await verifyIssuedBy(readFileSync(config.cert, 'utf8'), t.ca.certificatePem)).toBe(true);
    const cert = t.registry.getCertificate(config.certificateId);
    expect(cert?.status).toBe('ACTIVE');
    expect(t.registry.thingsForPrincipal(cert!.certificateArn)).toEqual(['pet-1']);
    expect(t.registry.policiesForPrincipal(cert!.certificateArn).map((p) => p.policyName)).toEqual([DEVICE_POLICY_NAME]);
  });

  it('refuses to overwrite the files of a device that is already provisioned, creating nothing', async () => {
    const out = join(work, 'pet-twice');
    expect((await run(['provision', 'pet-twice', '--out', out])).code).toBe(0);
    const key = readFileSync(join(out, 'pet-twice.private.key'), 'utf8');
    const certsBefore = t.registry.listCertificates().length;
    const r = await run(['provision', 'pet-twice', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already has device files.*fleet rotate pet-twice/);
    expect(readFileSync(join(out, 'pet-twice.private.key'), 'utf8')).toBe(key);
    expect(t.registry.listCertificates()).toHaveLength(certsBefore);
  });

  it('prints one JSON object with --json', async () => {
    const r = await run(['provision', 'pet-json', '--out', join(work, 'pet-json'), '--json']);
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out) as { thing: string; certificateId: string; configFile: string };
    expect(o.thing).toBe('pet-json');
    expect(existsSync(o.configFile)).toBe(true);
    expect(r.out.trim().split('\n')).toHaveLength(1);
  });

  it('uses the CSR flow without writing a private key', async () => {
    const csr = await createCsr({ commonName: 'pet-csr' });
    const csrFile = join(work, 'pet-csr.csr');
    const keyFile = join(work, 'pet-csr.key');
    writeFileSync(csrFile, csr.csrPem);
    const out = join(work, 'pet-csr');
    const r = await run(['provision', 'pet-csr', '--out', out, '--csr', csrFile, '--key', keyFile]);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, 'pet-csr.private.key'))).toBe(false);
    const config = DeviceConfigSchema.parse(JSON.parse(readFileSync(join(out, 'pet-csr.config.json'), 'utf8')));
    expect(config.key).toBe(keyFile);
    expect(t.registry.getCertificate(config.certificateId)?.subjectCommonName).toBe('pet-csr');
  });

  it('rolls back everything it created when a step fails, and says so with exit 2', async () => {
    const certsBefore = t.registry.listCertificates().length;
    const r = await run(['provision', 'pet-rollback', '--out', join(work, 'pet-rollback'), '--policy', 'no-such-policy']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/AttachPolicy failed: ResourceNotFoundException/);
    expect(r.err).toMatch(/rolled back everything it created/);
    expect(t.registry.getThing('pet-rollback')).toBeUndefined();
    expect(t.registry.listCertificates()).toHaveLength(certsBefore);
    expect(existsSync(join(work, 'pet-rollback'))).toBe(false);
  });

  it('rolls back every AWS step when writing the files fails', async () => {
    const blocker = join(work, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const certsBefore = t.registry.listCertificates().length;
    const r = await run(['provision', 'pet-nofiles', '--out', join(blocker, 'sub')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot write device files/);
    expect(r.err).toMatch(/rolled back everything it created/);
    expect(t.registry.getThing('pet-nofiles')).toBeUndefined();
    expect(t.registry.listCertificates()).toHaveLength(certsBefore);
  });

  it('says exactly what was left behind when the rollback itself fails', async () => {
    // Fault injection on the real client: DescribeEndpoint and DeleteCertificate fail.
    const iot = t.iot();
    iot.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DescribeEndpointCommand' || context.commandName === 'DeleteCertificateCommand') {
          throw Object.assign(new Error(`injected ${context.commandName} failure`), { name: 'ServiceUnavailableException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'faultInjection' },
    );
    const ctx = { iot, region: t.region, stdout: sink(), stderr: sink(), sleep: async () => {} };
    const err = await provisionThing(ctx, {
      thing: 'pet-leftover',
      outDir: join(work, 'pet-leftover'),
      policy: DEVICE_POLICY_NAME,
      rootCaPath: caFile,
    }).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toMatch(/DescribeEndpoint failed: ServiceUnavailableException: injected/);
    expect(msg).toMatch(/\(rollback incomplete, left behind: certificate [0-9a-f]{64} \(INACTIVE, not deleted\)\)$/);
    const id = /certificate ([0-9a-f]{64}) \(INACTIVE/.exec(msg)?.[1] ?? '';
    // the rest was undone: thing gone, cert detached from thing and policy (and deactivated)
    expect(t.registry.getThing('pet-leftover')).toBeUndefined();
    const cert = t.registry.getCertificate(id);
    expect(cert?.status).toBe('INACTIVE');
    expect(t.registry.policiesForPrincipal(cert!.certificateArn)).toEqual([]);
  });

  it('refuses to start without a root CA, before creating anything', async () => {
    const r = await run(['provision', 'pet-noca', '--out', join(work, 'pet-noca')], {
      env: env({ PULSEPET_ROOT_CA: undefined }),
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--root-ca/);
    expect(t.registry.getThing('pet-noca')).toBeUndefined();
  });

  it('translates a wrong secret into one clear line and exit 2', async () => {
    const r = await run(['provision', 'pet-badkey', '--out', join(work, 'pet-badkey')], {
      env: env({ AWS_SECRET_ACCESS_KEY: 'wrong' }),
    });
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/InvalidSignatureException \(HTTP 403\)/);
  });

  it('reports an unreachable endpoint clearly', async () => {
    const port = await new Promise<number>((res) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    const r = await run(['list'], { env: env({ AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` }) });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot reach the IoT endpoint http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });

  it('rejects bad usage with exit 2 and the reason', async () => {
    expect((await run(['provision'])).code).toBe(2);
    const bad = await run(['provision', 'bad name!']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/thing names are/);
    expect((await run(['provision', 'x', '--count', '3', '--prefix', 'p'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['list', '--count', '3'])).code).toBe(2);
  });
});

describe('Command: fleet provision --count', () => {
  it('provisions P-0001..P-000N concurrently and prints the summary line without a bar off-TTY', async () => {
    const out = join(work, 'bulk');
    const r = await run(['provision', '--count', '5', '--prefix', 'bulk', '--out', out, '--concurrency', '3']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^provisioned 5 things in \d+\.\d s \(\d+\.\d\/s\), 0 failed\n$/);
    expect(readdirSync(out).sort()).toEqual(['bulk-0001', 'bulk-0002', 'bulk-0003', 'bulk-0004', 'bulk-0005']);
    expect(mode(join(out, 'bulk-0003', 'bulk-0003.private.key'))).toBe(0o600);
    expect(t.registry.getThing('bulk-0005')).toBeDefined();
  });
});

describe('Command: fleet provision --count on a TTY', () => {
  it('draws a progress bar and still ends with the summary line', async () => {
    const stdout = Object.assign(sink(), { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true });
    const stderr = sink();
    const code = await runFleet(['provision', '--count', '2', '--prefix', 'tty', '--out', join(work, 'tty')], {
      env: env(),
      stdout,
      stderr,
    });
    expect(code).toBe(0);
    expect(stdout.text()).toMatch(/provisioning \[/);
    expect(stdout.text()).toMatch(/provisioned 2 things in \d+\.\d s \(\d+\.\d\/s\), 0 failed\n$/);
  });
});

describe('Command: fleet list / describe / revoke', () => {
  it('lists things with their certificate status, describes one, and revokes its certificates', async () => {
    await run(['provision', 'pet-life', '--out', join(work, 'pet-life')]);
    const list = await run(['list', '--json']);
    expect(list.code).toBe(0);
    const things = (JSON.parse(list.out) as { things: Array<{ thing: string; certificates: Array<{ status: string }> }> })
      .things;
    expect(things.find((x) => x.thing === 'pet-life')?.certificates.map((c) => c.status)).toEqual(['ACTIVE']);
    const human = await run(['list']);
    expect(human.out).toMatch(/^THING\s+CERTIFICATES\n/);
    expect(human.out).toMatch(/pet-life\s+[0-9a-f]{64} ACTIVE/);

    const d = await run(['describe', 'pet-life']);
    expect(d.code).toBe(0);
    expect(d.out).toMatch(/certificate [0-9a-f]{64} ACTIVE policies pulsepet-device/);

    const rv = await run(['revoke', 'pet-life']);
    expect(rv.code).toBe(0);
    expect(rv.out).toMatch(/^revoked 1 certificate\(s\): [0-9a-f]{64}\n$/);
    const after = JSON.parse((await run(['describe', 'pet-life', '--json'])).out) as {
      certificates: Array<{ status: string }>;
    };
    expect(after.certificates.map((c) => c.status)).toEqual(['REVOKED']);
  });

  it('revokes a single certificate by id and fails clearly for an unknown thing', async () => {
    await run(['provision', 'pet-one', '--out', join(work, 'pet-one')]);
    const id = DeviceConfigSchema.parse(
      JSON.parse(readFileSync(join(work, 'pet-one', 'pet-one.config.json'), 'utf8')),
    ).certificateId;
    expect((await run(['revoke', id])).code).toBe(0);
    expect(t.registry.getCertificate(id)?.status).toBe('REVOKED');
    const missing = await run(['describe', 'ghost']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/DescribeThing failed: ResourceNotFoundException/);
  });
});

describe('Command: fleet rotate', () => {
  it('activates a new certificate and files at once, and retires the old one after the grace period', async () => {
    const out = join(work, 'pet-rot');
    await run(['provision', 'pet-rot', '--out', out]);
    const cfgPath = join(out, 'pet-rot.config.json');
    const oldId = DeviceConfigSchema.parse(JSON.parse(readFileSync(cfgPath, 'utf8'))).certificateId;
    const oldKey = readFileSync(join(out, 'pet-rot.private.key'), 'utf8');
    const waits: number[] = [];
    let oldStatusDuringGrace: string | undefined;
    const r = await run(['rotate', 'pet-rot', '--out', out, '--grace', '30s'], {
      sleep: async (ms) => {
        waits.push(ms);
        oldStatusDuringGrace = t.registry.getCertificate(oldId)?.status;
      },
    });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(waits).toEqual([30_000]);
    expect(oldStatusDuringGrace).toBe('ACTIVE');
    const cfg = DeviceConfigSchema.parse(JSON.parse(readFileSync(cfgPath, 'utf8')));
    expect(cfg.certificateId).not.toBe(oldId);
    expect(readFileSync(cfg.key, 'utf8')).not.toBe(oldKey);
    expect(mode(cfg.key)).toBe(0o600);
    const fresh = t.registry.getCertificate(cfg.certificateId)!;
    expect(fresh.status).toBe('ACTIVE');
    expect(t.registry.principalsForThing('pet-rot')).toEqual([fresh.certificateArn]);
    expect(t.registry.policiesForPrincipal(fresh.certificateArn).map((p) => p.policyName)).toEqual([DEVICE_POLICY_NAME]);
    const old = t.registry.getCertificate(oldId)!;
    expect(old.status).toBe('INACTIVE');
    expect(t.registry.policiesForPrincipal(old.certificateArn)).toEqual([]);
    expect(r.out).toMatch(/^rotated pet-rot: certificate [0-9a-f]{64} ACTIVE \(policies pulsepet-device\), 1 old certificate\(s\) INACTIVE and detached after 30s/);
  });

  it('rejects a bad grace duration with exit 2', async () => {
    const r = await run(['rotate', 'pet-rot', '--grace', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/not a duration/);
  });
});

describe('Command: pulsepet fleet (spawned CLI)', () => {
  it('runs through bin/pulsepet.mjs with the standard AWS env and exits 0', async () => {
    const out = join(work, 'pet-spawn');
    const child = spawn(process.execPath, ['bin/pulsepet.mjs', 'fleet', 'provision', 'pet-spawn', '--out', out, '--json'], {
      cwd: resolve(__dirname, '../..'),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env() } as NodeJS.ProcessEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += String(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += String(c);
    });
    const code = await new Promise<number | null>((res) => child.on('close', res));
    expect(stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*$/, '')).toBe('');
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { thing: string }).thing).toBe('pet-spawn');
    expect(mode(join(out, 'pet-spawn.private.key'))).toBe(0o600);
  });
});
