import type { BedrockRuntimeClientConfig } from '@aws-sdk/client-bedrock-runtime';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { S3Client } from '@aws-sdk/client-s3';
import { createBedrockRuntimeClient } from '../../common/bedrock-client';
import { createLogger } from '../../common/logger';
import { hotPathClientConfig } from '../../common/sdk-config';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { iotDataShadows } from '../reasoning/shadow-adapter';
import { logStreamSink } from '../shared/emf';
import { type ErrorReporter, iotErrorReporter, type Refused, settlePermanentFailures } from '../shared/error-channel';
import { type AvatarDeps, type AvatarResult, avatar } from './avatar';
import { bedrockImageModel, s3ImageStore } from './aws-adapters';
import { loadAvatarConfig } from './config';
import { bundledDefaultFace } from './default-faces';

/**
 * Lambda entry point of `pulsepet-avatar`, invoked asynchronously (Lambda `Invoke`,
 * `InvocationType: Event`) by the reasoning function when the pet's state changes.
 * Dependencies are built once per container (Lambda init).
 */

export interface AvatarHandlerDeps extends AvatarDeps {
  report: ErrorReporter;
}

let deps: AvatarHandlerDeps | undefined;

function init(): AvatarHandlerDeps {
  // the one place this function reads process.env (CONVENTIONS.md rule 4)
  const config = loadAvatarConfig(process.env);
  const logger = createLogger('avatar', { level: config.logLevel });
  // quiet SDK loggers; the middleware resolved once per command only where no call passes options (common/sdk-config.ts)
  const sdk = (name: string) => hotPathClientConfig(name, config.region, logger);
  const iotData = new IoTDataPlaneClient(sdk('iot-data'));
  // path-style: AWS answers it for every bucket, and the local stand-in answers only it
  const { region, logger: s3Logger } = sdk('s3');
  const s3 = new S3Client({ region, logger: s3Logger, forcePathStyle: true });
  // maxAttempts 1: converse-call.ts owns the retry policy (3 attempts within the deadline)
  const bedrockSdk = sdk('bedrock-runtime');
  const bedrock = createBedrockRuntimeClient({ region: bedrockSdk.region, logger: bedrockSdk.logger as BedrockRuntimeClientConfig['logger'], maxAttempts: 1 });
  return {
    shadows: iotDataShadows(iotData),
    images: s3ImageStore(s3, config.bucket, config.urlTtlSeconds),
    model: bedrockImageModel(bedrock, { modelId: config.modelId, size: config.size, quality: config.quality, deadlineMs: config.deadlineMs }),
    defaultFacePng: bundledDefaultFace,
    logger,
    metrics: logStreamSink,
    now: Date.now,
    report: iotErrorReporter(iotData),
  };
}

/**
 * Builds a handler over explicit dependencies (tests): an event that is not an avatar
 * request is reported on the error channel and answered `{refused: true}`; failures
 * another attempt may cure throw, so Lambda retries them.
 */
export function createAvatarHandler(d: AvatarHandlerDeps): (event: unknown, context?: { awsRequestId?: string }) => Promise<AvatarResult | Refused> {
  return (event, context) =>
    settlePermanentFailures(() => avatar(event, d), {
      functionName: FUNCTION_NAMES.avatar,
      ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
      event,
      report: d.report,
      logger: d.logger,
    });
}

/** The Lambda handler. */
export async function handler(event: unknown, context?: { awsRequestId?: string }): Promise<AvatarResult | Refused> {
  deps ??= init();
  return createAvatarHandler(deps)(event, context);
}
