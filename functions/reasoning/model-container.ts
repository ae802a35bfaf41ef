import { FeatureVectorSchema } from '../../protocol/models';
import { predict } from './models/index';

/** A request the container refuses, with the HTTP status an inference container answers. */
class InferenceError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The models as a SageMaker inference container serves them (`/invocations`): a JSON
 * feature vector in, the JSON prediction out — the same `predict` the reasoning function
 * runs in-process. `cli/` hands it to the local SageMaker runtime as endpoint
 * `pulsepet-models`; a container image would wrap the same function.
 * https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html
 */
export async function serveModels(body: Buffer, contentType: string): Promise<{ body: Buffer; contentType: string }> {
  if (!/^application\/json\b/.test(contentType)) throw new InferenceError(415, `unsupported content type ${contentType}; send application/json`);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InferenceError(400, 'the body is not JSON');
  }
  const features = FeatureVectorSchema.safeParse(json);
  if (!features.success) throw new InferenceError(400, `not a feature vector: ${features.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { body: Buffer.from(JSON.stringify(predict(features.data))), contentType: 'application/json' };
}

/** The endpoint name the local stack serves the models under (and infra would deploy). */
export const MODEL_ENDPOINT_NAME = 'pulsepet-models';
