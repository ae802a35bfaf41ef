/**
 * Test support for the display's access: credentials from the local Cognito identity
 * pool through the real `fromCognitoIdentityPool`, and MQTT over WebSocket with a URL
 * presigned as the AWS IoT clients do (the session token appended after signing). Not
 * product code.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import mqtt, { type MqttClient } from 'mqtt';
import type { LocalStack } from '../../../local/stack';

/** What `fromCognitoIdentityPool` returns, and the credentials it resolves to. */
export type CredentialProvider = ReturnType<typeof fromCognitoIdentityPool>;
export type TemporaryCredentials = Awaited<ReturnType<CredentialProvider>>;

/** The display's credential provider, exactly as a browser builds it (an in-memory identity cache). */
export function displayCredentials(stack: Pick<LocalStack, 'display' | 'region' | 'httpEndpoint'>): CredentialProvider {
  return fromCognitoIdentityPool({
    identityPoolId: stack.display.identityPoolId,
    clientConfig: { region: stack.region, endpoint: stack.httpEndpoint },
  });
}

/**
 * `ws://host:port/mqtt?…` (or with `secure`, `wss://` on the HTTPS port) presigned for
 * `iotdevicegateway` with the key and secret; the session token is appended after signing
 * (AWS IoT's convention), or signed in with `tokenSigned`, or left out / replaced to test refusals.
 */
export async function presignMqttUrl(
  stack: Pick<LocalStack, 'region' | 'httpPort' | 'httpsPort'>,
  creds: Pick<TemporaryCredentials, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>,
  opts: { tokenSigned?: boolean; token?: string | null; secure?: boolean; hostname?: string } = {},
): Promise<string> {
  const { accessKeyId, secretAccessKey, sessionToken } = creds;
  const signing = opts.tokenSigned ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  const signer = new SignatureV4({ service: 'iotdevicegateway', region: stack.region, credentials: signing, sha256: Sha256 });
  const port = opts.secure ? stack.httpsPort : stack.httpPort;
  if (port === undefined) throw new Error('the stack has no HTTPS port (start it with httpsPort)');
  const protocol = opts.secure ? 'wss:' : 'ws:';
  const hostname = opts.hostname ?? '127.0.0.1';
  const host = `${hostname}:${port}`;
  const signed = await signer.presign(
    { method: 'GET', protocol, hostname, port, path: '/mqtt', headers: { host }, query: {} },
    { expiresIn: 300 },
  );
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(signed.query ?? {})) if (typeof v === 'string') q.set(k, v);
  let url = `${protocol}//${host}/mqtt?${q.toString()}`;
  const token = opts.token === undefined ? sessionToken : opts.token;
  if (!opts.tokenSigned && token) url += `&X-Amz-Security-Token=${encodeURIComponent(token)}`;
  return url;
}

/**
 * Connects MQTT.js (3.1.1) over WebSocket; resolves with the client on CONNACK, or the reason it did not connect.
 * For `wss://`, `ca` is the PEM the server's certificate must chain to (Node's default roots otherwise).
 */
export function connectWs(url: string, clientId: string, tls: { ca?: string } = {}): Promise<{ ok: true; client: MqttClient } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { protocolVersion: 4, clientId, reconnectPeriod: 0, connectTimeout: 5000, ...(tls.ca ? { ca: tls.ca } : {}) });
    let done = false;
    const settle = (v: { ok: true; client: MqttClient } | { ok: false; error: string }) => {
      if (done) return;
      done = true;
      if (!v.ok) client.end(true);
      resolve(v);
    };
    client.once('connect', () => settle({ ok: true, client }));
    client.once('error', (e) => settle({ ok: false, error: e.message }));
    client.once('close', () => settle({ ok: false, error: 'closed before CONNACK' }));
  });
}
