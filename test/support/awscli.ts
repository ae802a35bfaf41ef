import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The AWS CLI (Debian's `awscli`, botocore) as an independent client for parity tests:
 * fails (never skips) when it is missing, and builds the environment it runs with —
 * nothing but credentials, region and, for S3, a config file; the endpoint is
 * `--endpoint-url`.
 */

/** The CLI's command name; throws with the install command when it is not installed. */
export function requireAwsCli(): string {
  const found = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) throw new Error('the AWS CLI is not installed; install it with: apt-get update && apt-get install -y awscli');
  return 'aws';
}

/** A config file in `dir` with S3 path-style addressing (as the SDK's forcePathStyle) and any further S3 settings. */
export function pathStyleConfigFile(dir: string, name = 'aws-config', extraS3Settings = ''): string {
  const file = join(dir, name);
  writeFileSync(file, `[default]\ns3 =\n    addressing_style = path\n${extraS3Settings}`);
  return file;
}

/** The environment for one CLI run: its own HOME, the given credentials and region, no pager. */
export function awsCliEnv(o: {
  home: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  configFile?: string;
}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: o.home,
    ...(o.configFile ? { AWS_CONFIG_FILE: o.configFile } : {}),
    AWS_ACCESS_KEY_ID: o.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: o.credentials.secretAccessKey,
    AWS_DEFAULT_REGION: o.region,
    AWS_PAGER: '',
  };
}
