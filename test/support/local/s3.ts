import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { silentLogger } from '../../../common/logger';
import { type GatewayHandle, startGateway } from '../../../local/gateway/server';
import { createS3Service, type S3Service } from '../../../local/s3/index';

export interface TestS3 {
  dir: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  readonly gateway: GatewayHandle;
  readonly service: S3Service;
  /** a real S3Client, path-style, pointed at the gateway (one attempt, so errors show at once) */
  client(overrides?: Partial<S3ClientConfig>): S3Client;
  /** closes the gateway and opens the service again on the same data dir (a restart) */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real gateway with only the local S3 behind it, on port 0, over a temp data dir:
 * for tests that talk to S3 through `@aws-sdk/client-s3` without the rest of the stack.
 */
export async function startTestS3(): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-s3-'));
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'AKIDPULSEPETS3TEST', secretAccessKey: 'test-secret-not-real' };
  const logger = silentLogger();
  const boot = async () => {
    const service = await createS3Service({ dataDir: dir, region, logger });
    const gateway = await startGateway({ port: 0, region, credentials, services: [service], logger });
    return { service, gateway };
  };
  let parts = await boot();
  const clients: S3Client[] = [];
  return {
    dir,
    region,
    credentials,
    get gateway() {
      return parts.gateway;
    },
    get service() {
      return parts.service;
    },
    client(overrides = {}) {
      const c = new S3Client({ endpoint: parts.gateway.url, region, credentials, forcePathStyle: true, maxAttempts: 1, ...overrides });
      clients.push(c);
      return c;
    },
    async restart() {
      await parts.gateway.close();
      parts = await boot();
    },
    async close() {
      for (const c of clients) c.destroy();
      await parts.gateway.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The error an S3 call failed with: its name (S3's `Code`), HTTP status and message. */
export { sdkFailure as s3Failure } from '../sdk-failure';
