/**
 * `pulsepet agent --claim-config` as users run it (a child process) against the local
 * IoT Core: the claim folder comes from `pulsepet fleet claim create`, the agent
 * provisions itself by claim with aws-iot-device-sdk-v2, stores its identity, and
 * delivers telemetry as its own thing; killed mid-provisioning it converges on restart.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeCertificateCommand, IoTClient, ListAttachedPoliciesCommand, ListCertificatesCommand, ListThingPrincipalsCommand } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../local/stack';
import { DEVICE_POLICY_NAME } from '../protocol/policies';
import { AgentProcess } from '../test/support/device-agent/agent-process';
import { TelemetryObserver } from '../test/support/device-agent/observer';
import { factoryLine, fleetOk } from '../test/support/local/fleet-cli';
import { awsClientConfig } from '../test/support/local/stack';

const HOOK = 'pulsepet-factory-hook';
const HOOK_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${HOOK}`;
/** serials the hook refuses */
const DENIED = new Set(['SN-STOLEN']);
/** serials whose first provisioning attempt the hook holds past IoT Core's 5 s hook deadline */
const SLOW_ONCE = new Set(['SLOW-1']);
const hookCalls: Array<{ serial: string; certificateId: string }> = [];

let work: string;
let stack: LocalStack;
let iot: IoTClient;
let claimConfig: string;
let hookedClaimConfig: string;
const obs = new TelemetryObserver();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pp-agent-claim-'));
  const hook = async (event: unknown) => {
    const e = event as { parameters: Record<string, string>; certificateId: string };
    const serial = e.parameters.SerialNumber ?? '';
    hookCalls.push({ serial, certificateId: e.certificateId });
    if (SLOW_ONCE.delete(serial)) await new Promise((r) => setTimeout(r, 6_000));
    return { allowProvisioning: !DENIED.has(serial) };
  };
  stack = await startLocalStack({ dataDir: join(work, 'data'), handlers: new Map([[HOOK, hook]]), tuneGc: false });
  stack.bus.onPublish('dt/pulsepet/+/telemetry', ({ topic, payload }) => obs.add(topic, payload));
  iot = new IoTClient(awsClientConfig(stack));
  claimConfig = await factoryLine(stack, work, 'factory');
  hookedClaimConfig = await factoryLine(stack, work, 'hooked', { hookArn: HOOK_ARN });
}, 60_000);
afterAll(async () => {
  iot?.destroy();
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

function agent(config: string, serial: string, deviceDir: string, extra: string[] = []): AgentProcess {
  return new AgentProcess(['--claim-config', config, '--serial', serial, '--device-dir', deviceDir, '--input', 'stdin', '--batch-interval', '200ms', ...extra]);
}

/** The identity on disk: its config (one), and that nothing half-written is left. */
function identityOnDisk(deviceDir: string): { thing: string; certificateId: string; key: string } {
  expect(readdirSync(deviceDir).filter((n) => n.startsWith('identity'))).toEqual(['identity']);
  const configs = readdirSync(join(deviceDir, 'identity')).filter((f) => f.endsWith('.config.json'));
  expect(configs).toHaveLength(1);
  const c = JSON.parse(readFileSync(join(deviceDir, 'identity', configs[0] ?? ''), 'utf8')) as { thing: string; certificateId: string; key: string };
  return { ...c, key: join(deviceDir, 'identity', c.key) };
}

/** The thing's certificates with their status. */
async function certificatesOf(thing: string): Promise<Array<{ id: string; status: string | undefined }>> {
  const arns = (await iot.send(new ListThingPrincipalsCommand({ thingName: thing }))).principals ?? [];
  return Promise.all(
    arns.map(async (arn) => {
      const id = arn.split('/').pop() ?? '';
      return { id, status: (await iot.send(new DescribeCertificateCommand({ certificateId: id }))).certificateDescription?.status };
    }),
  );
}

const certificateCount = async (): Promise<number> => (await iot.send(new ListCertificatesCommand({ pageSize: 250 }))).certificates?.length ?? 0;

describe('pulsepet agent --claim-config (first start by claim)', () => {
  it('provisions itself, delivers telemetry as its own thing, and after kill -9 restarts as the same thing', async () => {
    const deviceDir = join(work, 'dev-a1');
    const a = agent(claimConfig, 'A1', deviceDir);
    let certificateId = '';
    try {
      await a.waitForLog((l) => l.msg === 'connected', 30_000);
      const id = identityOnDisk(deviceDir);
      expect(id.thing).toBe('pet-A1');
      certificateId = id.certificateId;
      expect(statSync(id.key).mode & 0o777).toBe(0o600);
      a.writeStdin('{"t":1700000000000,"hr":64}\n{"t":1700000001000,"hr":66}\n');
      await obs.waitForTimes([1700000000000, 1700000001000], 20_000, 'pet-A1');
      expect(obs.samples('pet-A1').map((s) => s.hr)).toEqual([64, 66]);
    } finally {
      await a.stop('SIGKILL');
    }
    expect(a.stderrText).not.toContain('PRIVATE KEY');
    expect(await certificatesOf('pet-A1')).toEqual([{ id: certificateId, status: 'ACTIVE' }]);
    const arn = stack.registry.certificateArn(certificateId);
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: arn }))).policies?.map((p) => p.policyName)).toEqual([DEVICE_POLICY_NAME]);

    const before = await certificateCount();
    const again = agent(claimConfig, 'A1', deviceDir);
    try {
      await again.waitForLog((l) => l.msg === 'connected', 30_000);
      expect(again.logs.find((l) => l.msg === 'device identity found')).toMatchObject({ thing: 'pet-A1', certificateId });
      expect(again.logs.some((l) => l.msg === 'no device identity: provisioning by claim')).toBe(false);
    } finally {
      await again.stop();
    }
    expect(await certificateCount()).toBe(before);
  }, 90_000);

  it('killed while RegisterThing is in flight, restarts and ends with exactly one identity and one ACTIVE certificate', async () => {
    const deviceDir = join(work, 'dev-slow');
    const first = agent(hookedClaimConfig, 'SLOW-1', deviceDir);
    try {
      // the hook holds the first attempt: the agent is waiting for RegisterThing's reply
      await first.waitFor(() => hookCalls.some((c) => c.serial === 'SLOW-1'), 30_000, 'the pre-provisioning hook call');
    } finally {
      await first.stop('SIGKILL');
    }
    expect(existsSync(join(deviceDir, 'identity'))).toBe(false);
    const firstCert = hookCalls.find((c) => c.serial === 'SLOW-1')?.certificateId ?? '';

    const second = agent(hookedClaimConfig, 'SLOW-1', deviceDir);
    try {
      await second.waitForLog((l) => l.msg === 'connected', 30_000);
    } finally {
      await second.stop();
    }
    const id = identityOnDisk(deviceDir);
    expect(id.thing).toBe('pet-SLOW-1');
    expect(id.certificateId).not.toBe(firstCert);
    // the interrupted attempt's certificate was never activated (the hook's answer came too late)
    await new Promise((r) => setTimeout(r, 6_500));
    expect(await certificatesOf('pet-SLOW-1')).toEqual([{ id: id.certificateId, status: 'ACTIVE' }]);
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: firstCert }))).certificateDescription?.status).toBe('PENDING_ACTIVATION');
  }, 90_000);

  it('exits 2 with errorCode and errorMessage when the hook refuses the serial, storing nothing', async () => {
    const deviceDir = join(work, 'dev-stolen');
    const a = agent(hookedClaimConfig, 'SN-STOLEN', deviceDir);
    expect(await a.exited).toBe(2);
    expect(a.stderrText).toContain('pulsepet agent: provisioning by claim failed: RegisterThing rejected: 403 AccessDenied: Provisioning refused');
    expect(existsSync(join(deviceDir, 'identity'))).toBe(false);
  }, 60_000);

  it('accepts --template naming the claim config’s template, and provisions with it', async () => {
    const deviceDir = join(work, 'dev-t1');
    const a = agent(claimConfig, 'T1', deviceDir, ['--template', 'factory']);
    try {
      await a.waitForLog((l) => l.msg === 'connected', 30_000);
    } finally {
      await a.stop();
    }
    expect(identityOnDisk(deviceDir).thing).toBe('pet-T1');
    expect(a.stderrText).not.toContain('PRIVATE KEY');
  }, 60_000);

  it('exits 2 with a clear reason when --template names a template the claim is not for, storing nothing', async () => {
    const deviceDir = join(work, 'dev-t2');
    const a = agent(claimConfig, 'T2', deviceDir, ['--template', 'hooked']);
    expect(await a.exited).toBe(2);
    const lines = a.stderrText.split('\n').filter((l) => l.startsWith('pulsepet agent:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('hooked');
    expect(lines[0]).toMatch(/claim config|claim policy/);
    expect(a.stderrText).not.toContain('PRIVATE KEY');
    expect(existsSync(join(deviceDir, 'identity'))).toBe(false);
    expect(stack.registry.getThing('pet-T2')).toBeUndefined();
  }, 60_000);

  it('exits 2 naming the missing template when the template was deleted after the claim was made', async () => {
    const gone = await factoryLine(stack, work, 'retired');
    await fleetOk(stack, 'template', 'delete', 'retired');
    const deviceDir = join(work, 'dev-retired');
    const a = agent(gone, 'R1', deviceDir);
    expect(await a.exited).toBe(2);
    expect(a.stderrText).toContain('pulsepet agent: provisioning by claim failed: RegisterThing rejected: 404 ResourceNotFound: Provisioning template retired not found');
    expect(existsSync(join(deviceDir, 'identity'))).toBe(false);
  }, 60_000);
});
