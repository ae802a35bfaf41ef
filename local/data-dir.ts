import { createPrivateKey, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CorruptStateError } from '../common/startup-errors';
import { type CaMaterial, certificateIdFromPem, createCa, createServerCertificate, writePrivateKeyFile } from '../certs/index';

export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface DataDirMaterial {
  /** the local stand-in of the AWS-managed CA: issues device certs and the server cert */
  ca: CaMaterial;
  /** PEM path of the CA certificate, for devices to verify the broker */
  caFile: string;
  server: { certificatePem: string; privateKeyPem: string };
  credentials: LocalCredentials;
}

/**
 * Creates (first run) or loads the data dir's key material: the CA, the TLS server
 * certificate and the SigV4 credentials the gateway accepts. Keys are 0600 and the
 * dir itself 0700; nothing here is ever logged.
 */
export async function prepareDataDir(dataDir: string, hosts: string[]): Promise<DataDirMaterial> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const caDir = join(dataDir, 'ca');
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  const caFile = join(caDir, 'root-ca.pem');
  const caKey = join(caDir, 'root-ca.private.key');
  let ca: CaMaterial;
  if (existsSync(caFile) && existsSync(caKey)) {
    const certificatePem = readCertificate(caFile);
    ca = { certificatePem, privateKeyPem: readPrivateKey(caKey), certificateId: certificateIdFromPem(certificatePem) };
  } else {
    ca = await createCa({ commonName: 'pulsepet local IoT Core CA' });
    writePrivateKeyFile(caKey, ca.privateKeyPem);
    writeFileSync(caFile, ca.certificatePem);
  }

  const serverFile = join(caDir, 'server.pem');
  const serverKey = join(caDir, 'server.private.key');
  const hostsFile = join(caDir, 'server.hosts');
  const wanted = [...new Set(hosts)].sort().join(',');
  let server: DataDirMaterial['server'];
  if (
    existsSync(serverFile) &&
    existsSync(serverKey) &&
    existsSync(hostsFile) &&
    readFileSync(hostsFile, 'utf8') === wanted
  ) {
    server = { certificatePem: readCertificate(serverFile), privateKeyPem: readPrivateKey(serverKey) };
  } else {
    server = await createServerCertificate(ca, { hosts: wanted.split(',') });
    writePrivateKeyFile(serverKey, server.privateKeyPem);
    writeFileSync(serverFile, server.certificatePem);
    writeFileSync(hostsFile, wanted);
  }

  const credFile = join(dataDir, 'credentials.json');
  let credentials: LocalCredentials;
  if (existsSync(credFile)) {
    credentials = readCredentials(credFile);
  } else {
    credentials = {
      // Same shapes as IAM access keys: 20-char AKIA… id, 40-char secret.
      accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64').replace(/[+/=]/g, 'x').slice(0, 40),
    };
    writeFileSync(credFile, JSON.stringify(credentials), { mode: 0o600 });
    chmodSync(credFile, 0o600);
  }
  return { ca, caFile, server, credentials };
}

const CredentialsSchema = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) });

/** The credentials file; one that does not parse is named as corrupt (a start must not replace the keys clients use). */
function readCredentials(path: string): LocalCredentials {
  const text = readFileSync(path, 'utf8');
  try {
    return CredentialsSchema.parse(JSON.parse(text));
  } catch (e) {
    throw new CorruptStateError(path, `corrupt credentials file ${path}`, e);
  }
}

/** A PEM certificate of the data dir, checked to parse. */
function readCertificate(path: string): string {
  const pem = readFileSync(path, 'utf8');
  try {
    certificateIdFromPem(pem);
  } catch (e) {
    throw new CorruptStateError(path, `corrupt certificate ${path}`, e);
  }
  return pem;
}

/** A PEM private key of the data dir, checked to parse. */
function readPrivateKey(path: string): string {
  const pem = readFileSync(path, 'utf8');
  try {
    createPrivateKey(pem);
  } catch (e) {
    throw new CorruptStateError(path, `corrupt private key ${path}`, e);
  }
  return pem;
}

/** Writes `{dataDir}/env`: `source` it to point the AWS SDKs and the CLI at this stack. */
export function writeEnvFile(
  dataDir: string,
  v: { httpEndpoint: string; region: string; credentials: LocalCredentials; caFile: string; mqttEndpoint: string; identityPoolId?: string },
): string {
  const path = join(dataDir, 'env');
  const lines = [
    `export AWS_ENDPOINT_URL=${v.httpEndpoint}`,
    `export AWS_REGION=${v.region}`,
    // the AWS CLI of Debian/Ubuntu (v2.9) reads only AWS_DEFAULT_REGION
    `export AWS_DEFAULT_REGION=${v.region}`,
    `export AWS_ACCESS_KEY_ID=${v.credentials.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${v.credentials.secretAccessKey}`,
    `export PULSEPET_ROOT_CA=${v.caFile}`,
    `export PULSEPET_MQTT_ENDPOINT=${v.mqttEndpoint}`,
    // the display's Cognito identity pool (its runtime config names it)
    ...(v.identityPoolId ? [`export PULSEPET_IDENTITY_POOL_ID=${v.identityPoolId}`] : []),
  ];
  writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}
