import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateProvisioningTemplateCommand, DescribeCertificateCommand, DescribeThingCommand, IoTClient } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test/support/cli';
import { AgentProcess } from '../test/support/device-agent/agent-process';
import { type CloudHarness, startStackHarness } from '../test/support/device-agent/harness';
import { TelemetryObserver } from '../test/support/device-agent/observer';
import { jitpTemplateBody } from '../test/support/local/jitp';

// The manufacturing journey with the operator's own CA: `fleet ca register --template` (with
// the verification step), `fleet ca issue` at the factory, and the agent's first connect
// provisions the device (JITP): that connection is closed, the agent reconnects as itself.
describe('pulsepet agent --config from fleet ca issue (JITP)', () => {
  let cloud: CloudHarness;
  const obs = new TelemetryObserver();
  const registered: string[] = [];
  beforeAll(async () => {
    cloud = await startStackHarness();
    cloud.observe('dt/pulsepet/+/telemetry', ({ topic, payload }) => obs.add(topic, payload));
    cloud.observe('$aws/events/certificates/registered/+', ({ payload }) => void registered.push(payload.toString()));
  }, 60_000);
  afterAll(async () => {
    await cloud?.close();
  });

  it('registers the agent on its first connect and then delivers its telemetry', async () => {
    const work = mkdtempSync(join(tmpdir(), 'pp-agent-jitp-'));
    const c = cloud.clientConfig();
    const env = {
      ...process.env,
      AWS_ENDPOINT_URL: c.endpoint,
      AWS_REGION: c.region,
      AWS_ACCESS_KEY_ID: c.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.credentials.secretAccessKey,
      PULSEPET_ROOT_CA: cloud.stack.caFile,
    };
    const iot = new IoTClient(c);
    await iot.send(
      new CreateProvisioningTemplateCommand({
        templateName: 'watch-jitp',
        type: 'JITP',
        enabled: true,
        provisioningRoleArn: 'arn:aws:iam::000000000000:role/JITPRole',
        templateBody: jitpTemplateBody(),
      }),
    );
    const caDir = join(work, 'operator-ca');
    const ca = ['--ca-cert', join(caDir, 'ca.pem'), '--ca-key', join(caDir, 'ca.key')];
    for (const args of [['ca', 'create', '--out', caDir], ['ca', 'register', ...ca, '--template', 'watch-jitp']]) {
      const r = await runCli(['fleet', ...args], env);
      expect(r.code, r.stderr).toBe(0);
    }
    const issued = await runCli(['fleet', 'ca', 'issue', ...ca, 'watch-jitp-agent', '--out', join(work, 'device'), '--json'], env);
    expect(issued.code, issued.stderr).toBe(0);
    const { configFile, certificateId } = JSON.parse(issued.stdout) as { configFile: string; certificateId: string };
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toMatchObject({ thing: 'watch-jitp-agent', certificateId });

    const agent = new AgentProcess(['--config', configFile, '--input', 'stdin', '--outbox', join(work, 'outbox'), '--batch-interval', '200ms']);
    try {
      await agent.waitForLog((l) => l.msg === 'connected', 30_000);
      agent.writeStdin('{"t":1700000000000,"hr":61}\n{"t":1700000001000,"hr":63}\n');
      await obs.waitForSamples(2, 20_000, 'watch-jitp-agent');
      expect(obs.samples('watch-jitp-agent').map((s) => s.hr)).toEqual([61, 63]);
      // the first connect was refused (closed) while the certificate was registered
      expect(agent.logs.filter((l) => l.msg === 'connect failed').length).toBeGreaterThanOrEqual(1);
    } finally {
      await agent.stop();
    }
    expect(registered.map((p) => (JSON.parse(p) as { certificateId: string }).certificateId)).toEqual([certificateId]);
    const cert = await iot.send(new DescribeCertificateCommand({ certificateId }));
    expect(cert.certificateDescription?.status).toBe('ACTIVE');
    expect((await iot.send(new DescribeThingCommand({ thingName: 'watch-jitp-agent' }))).thingName).toBe('watch-jitp-agent');
    iot.destroy();
  }, 90_000);
});
