import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { PredictionSchema } from '../../protocol/models';
import { PulsepetError } from '../../protocol/errors';
import { predict } from './models/index';
import type { ModelPort } from './ports';

/** The models in-process (the default). */
export const inProcessModels: ModelPort = { predict: async (features) => predict(features) };

/**
 * The models behind a SageMaker endpoint: the same feature vector in (`application/json`),
 * the same scores out, validated with the same schema as any other boundary.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
 */
export function sagemakerModels(client: SageMakerRuntimeClient, endpointName: string): ModelPort {
  return {
    async predict(features) {
      const out = await client.send(
        new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: 'application/json', Accept: 'application/json', Body: Buffer.from(JSON.stringify(features)) }),
      );
      const text = Buffer.from(out.Body ?? new Uint8Array()).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new PulsepetError('PP_ERR_VALIDATION', `endpoint ${endpointName} answered non-JSON`, { cause: e, retryable: true });
      }
      const p = PredictionSchema.safeParse(json);
      if (!p.success) throw new PulsepetError('PP_ERR_VALIDATION', `endpoint ${endpointName} answered out of schema: ${p.error.issues[0]?.message}`, { retryable: true });
      return p.data;
    },
  };
}
