import { createHash } from 'node:crypto';
import { Agent, get as httpGet } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreateThingCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  IoTServiceException,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
} from '@aws-sdk/client-iot';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { GATEWAY_KEEP_ALIVE_MS } from './server';
import { uriEncode } from './sigv4';
import { startTestGateway, type TestGateway } from '../../test/support/local/gateway';

let t: TestGateway;
beforeEach(async () => {
  t = await startTestGateway();
});
afterEach(async () => {
  await t.close();
});

interface RawRequest {
  method?: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  service?: string;
  signingDate?: Date;
  secretAccessKey?: string;
}

/** Signs a request with the real SDK signer, like any AWS client would, and sends it. */
async function signedFetch(r: RawRequest): Promise<Response> {
  const url = new URL(t.gateway.url);
  const signer = new SignatureV4({
    service: r.service ?? 'iot',
    region: t.region,
    credentials: { ...t.credentials, ...(r.secretAccessKey ? { secretAccessKey: r.secretAccessKey } : {}) },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: r.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: r.path,
      query: r.query ?? {},
      headers: { host: url.host, ...(r.headers ?? {}) },
      body: r.body,
    },
    r.signingDate ? { signingDate: r.signingDate } : {},
  );
  return send({ ...r, headers: signed.headers as Record<string, string> });
}

function send(r: RawRequest & { headers: Record<string, string> }): Promise<Response> {
  const qs = Object.entries(r.query ?? {})
    .map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
    .join('&');
  const headers = { ...r.headers };
  delete headers.host;
  return fetch(`${t.gateway.url}${r.path}${qs ? `?${qs}` : ''}`, {
    method: r.method ?? 'GET',
    headers,
    body: r.body,
  });
}

async function errorOf(p: Promise<unknown>): Promise<IoTServiceException> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(IoTServiceException);
  return e as IoTServiceException;
}

/** GET `path` through `agent`: the Keep-Alive header and whether the agent reused a socket. */
function headOf(agent: Agent, path: string): Promise<{ keepAlive: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(`${t.gateway.url}${path}`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ keepAlive: String(res.headers['keep-alive']), reused: req.reusedSocket }));
    });
    req.on('error', reject);
  });
}

describe('Function: startGateway', () => {
  describe('SigV4 verification', () => {
    it('accepts requests the real IoT client signs and tags responses with x-amzn-requestid', async () => {
      await t.iot().send(new CreateThingCommand({ thingName: 'signed' }));
      const res = await signedFetch({ path: '/things/signed' });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
      expect(((await res.json()) as { thingName: string }).thingName).toBe('signed');
    });

    it('answers a wrong secret with 403 InvalidSignatureException', async () => {
      const e = await errorOf(t.iot({ secretAccessKey: 'wrong-secret' }).send(new ListThingsCommand({})));
      expect(e.name).toBe('InvalidSignatureException');
      expect(e.$metadata.httpStatusCode).toBe(403);
      expect(e.message).toMatch(/signature we calculated does not match/);
    });

    it('answers an unknown access key with 403 UnrecognizedClientException', async () => {
      const e = await errorOf(t.iot({ accessKeyId: 'AKIDUNKNOWN' }).send(new ListThingsCommand({})));
      expect(e.name).toBe('UnrecognizedClientException');
      expect(e.$metadata.httpStatusCode).toBe(403);
    });

    it('keeps an idle connection for a minute and says so, so clients reuse it instead of racing a 5 s close', async () => {
      const agent = new Agent({ keepAlive: true });
      try {
        const first = await headOf(agent, '/metrics');
        const second = await headOf(agent, '/metrics');
        expect(first.keepAlive).toBe(`timeout=${GATEWAY_KEEP_ALIVE_MS / 1000}`);
        expect([first.reused, second.reused]).toEqual([false, true]);
      } finally {
        agent.destroy();
      }
    });

    it('answers an unsigned request with 403 MissingAuthenticationTokenException and a JSON message', async () => {
      const res = await fetch(`${t.gateway.url}/things`);
      expect(res.status).toBe(403);
      expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
      expect(((await res.json()) as { message: string }).message).toBe('Missing Authentication Token');
    });

    it('rejects a request whose body was changed after signing', async () => {
      const url = new URL(t.gateway.url);
      // applyChecksum: false, so only the signature (not x-amz-content-sha256) can catch the change
      const signer = new SignatureV4({
        service: 'iot',
        region: t.region,
        credentials: t.credentials,
        sha256: Sha256,
        applyChecksum: false,
      });
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/things/tampered',
        query: {},
        headers: { host: url.host, 'content-type': 'application/json' },
        body: '{}',
      });
      const headers = { ...(signed.headers as Record<string, string>) };
      expect(headers['x-amz-content-sha256']).toBeUndefined();
      const res = await send({
        method: 'POST',
        path: '/things/tampered',
        headers,
        body: '{"attributePayload":{"attributes":{"evil":"1"}}}',
      });
      expect(res.status).toBe(403);
      expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
      expect(((await res.json()) as { message: string }).message).toMatch(/signature we calculated/);
      expect(t.registry.getThing('tampered')).toBeUndefined();
    });

    it('rejects an x-amz-content-sha256 that does not match the body, and accepts UNSIGNED-PAYLOAD', async () => {
      const bad = await signedFetch({
        method: 'POST',
        path: '/things/hashed',
        body: '{}',
        headers: { 'x-amz-content-sha256': createHash('sha256').update('other').digest('hex') },
      });
      expect(bad.status).toBe(403);
      const unsigned = await signedFetch({
        method: 'POST',
        path: '/things/hashed',
        body: '{}',
        headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      });
      expect(unsigned.status).toBe(200);
    });

    it('rejects a signature made more than 15 minutes ago as expired', async () => {
      const res = await signedFetch({ path: '/things', signingDate: new Date(Date.now() - 20 * 60_000) });
      expect(res.status).toBe(403);
      expect(res.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
      expect(((await res.json()) as { message: string }).message).toMatch(/Signature expired/);
    });

    it('accepts a presigned query-string request and rejects it once tampered', async () => {
      const url = new URL(t.gateway.url);
      const signer = new SignatureV4({ service: 'iot', region: t.region, credentials: t.credentials, sha256: Sha256 });
      const pre = await signer.presign(
        { method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/things', query: {}, headers: { host: url.host } },
        { expiresIn: 60 },
      );
      const q = pre.query as Record<string, string>;
      const ok = await send({ path: '/things', query: q, headers: {} });
      expect(ok.status).toBe(200);
      const tampered = await send({ path: '/things', query: { ...q, maxResults: '1' }, headers: {} });
      expect(tampered.status).toBe(403);
    });

    it('rejects credentials scoped to another region', async () => {
      const e = await errorOf(t.iot({ region: 'eu-central-1' }).send(new ListThingsCommand({})));
      expect(e.name).toBe('InvalidSignatureException');
      expect(e.message).toMatch(/region/);
    });
  });

  describe('routing', () => {
    it('answers a signing name no service serves with a 404 AWS error', async () => {
      const res = await signedFetch({ path: '/', service: 'nosuchservice' });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownServiceException');
    });

    it('answers an unknown iot path with a 404 AWS error', async () => {
      const res = await signedFetch({ path: '/no/such/operation' });
      expect(res.status).toBe(404);
      expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    });

    it('answers a CORS preflight without a signature so browsers can send signed calls', async () => {
      const res = await fetch(`${t.gateway.url}/things`, {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization,x-amz-date' },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-headers')).toBe('authorization,x-amz-date');
      const unsigned = await fetch(`${t.gateway.url}/things`, { method: 'OPTIONS' });
      expect(unsigned.status).toBe(403);
    });

    it('serves services added after start', async () => {
      t.gateway.addService({
        signingNames: ['echo'],
        handle: async (req) => ({ status: 200, body: { path: req.path, service: req.service } }),
      });
      const res = await signedFetch({ path: '/hello', service: 'echo' });
      expect(await res.json()).toEqual({ path: '/hello', service: 'echo' });
    });

    it('leaves WebSocket upgrades on /mqtt to the upgrade listener', async () => {
      const wss = new WebSocketServer({ server: t.gateway.server, path: '/mqtt' });
      try {
        const url = t.gateway.url.replace('http:', 'ws:');
        const ws = new WebSocket(`${url}/mqtt`, 'mqtt');
        const opened = await new Promise<boolean>((resolve) => {
          ws.once('open', () => resolve(true));
          ws.once('error', () => resolve(false));
        });
        expect(opened).toBe(true);
        // close() must not hang on an upgraded connection that is still open
        const wsClosed = new Promise<void>((r) => ws.once('close', () => r()));
        await t.gateway.close();
        await wsClosed;
      } finally {
        wss.close();
      }
    });
  });

  describe('restart', () => {
    it('keeps things, certificates, policies and attachments after the registry and gateway restart', async () => {
      const iot = t.iot();
      await iot.send(new CreateThingCommand({ thingName: 'durable', attributePayload: { attributes: { a: 'b' } } }));
      const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await iot.send(
        new CreatePolicyCommand({
          policyName: 'durable-policy',
          policyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:*', Resource: '*' }] }),
        }),
      );
      await iot.send(new AttachPolicyCommand({ policyName: 'durable-policy', target: cert.certificateArn! }));
      await iot.send(new AttachThingPrincipalCommand({ thingName: 'durable', principal: cert.certificateArn! }));

      await t.restart();
      const again = t.iot();
      expect((await again.send(new DescribeThingCommand({ thingName: 'durable' }))).attributes).toEqual({ a: 'b' });
      const d = await again.send(new DescribeCertificateCommand({ certificateId: cert.certificateId }));
      expect(d.certificateDescription?.status).toBe('ACTIVE');
      const pols = await again.send(new ListAttachedPoliciesCommand({ target: cert.certificateArn! }));
      expect(pols.policies?.map((p) => p.policyName)).toEqual(['durable-policy']);
      const principals = await again.send(new ListThingPrincipalsCommand({ thingName: 'durable' }));
      expect(principals.principals).toEqual([cert.certificateArn]);
      expect(t.registry.getCaCertificate(t.ca.certificateId)?.awsManaged).toBe(true);
    });
  });
});
