import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../common/logger';
import { seededRandom } from '../../common/seeded-random';
import { awsError } from '../gateway/aws-error';
import { LabelledCounter } from '../gateway/metrics';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import { coachAnswer, forcedTool, UnsatisfiableSchemaError } from './coach-answer';
import { ACCEPTED_MODEL_ID, ConverseRequest } from './converse-shapes';
import type { BedrockFaults } from './faults';
import { invokeImageModel, MODEL_TIMEOUT, THROTTLED } from './invoke-model';

const OPERATION = /^\/model\/([^/]+)\/(converse|invoke)$/;
/** Distinct model labels kept in the metric; more become `other` (label values must stay bounded). */
const MAX_MODEL_LABELS = 16;

/** The local Bedrock runtime: a GatewayService plus its Prometheus counters. */
export interface BedrockRuntimeService extends GatewayService {
  /**
   * `pulsepet_bedrock_converse_requests_total{model,outcome}`,
   * `pulsepet_bedrock_invoke_model_requests_total{model,outcome}` and
   * `pulsepet_bedrock_images_total{model}` in exposition format
   */
  metrics(): string;
}

/**
 * The local Bedrock runtime (signing name `bedrock`): `Converse` answered by a
 * deterministic local coach, not an LLM — every answer says so with
 * `additionalModelResponseFields.pulsepetLocalCoach` — and `InvokeModel` for the image
 * models answered by a local painter (invoke-model.ts; every image is marked LOCAL).
 * Converse model ids outside {@link ACCEPTED_MODEL_ID} are `ResourceNotFoundException`
 * (404); a malformed request is `ValidationException` (400). `faults` inject throttling,
 * timeouts, schema-breaking tool input, content filtering and latency per request, drawn
 * from a seeded RNG.
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 *
 * @example gateway.addService(createBedrockRuntimeService({ logger }));
 */
export function createBedrockRuntimeService(opts: { logger: Logger; faults?: BedrockFaults }): BedrockRuntimeService {
  const log = opts.logger.child({ component: 'bedrock' });
  const faults = opts.faults;
  const random = seededRandom(faults?.seed ?? 1);
  const requests = new LabelledCounter('pulsepet_bedrock_converse_requests_total', 'Converse requests answered by the local Bedrock coach, by model and outcome.', [
    'model',
    'outcome',
  ]);
  const invokes = new LabelledCounter('pulsepet_bedrock_invoke_model_requests_total', 'InvokeModel requests answered by the local Bedrock painter, by model and outcome.', [
    'model',
    'outcome',
  ]);
  const images = new LabelledCounter('pulsepet_bedrock_images_total', 'Images drawn by the local Bedrock painter, by model.', ['model']);
  const models = new Set<string>();
  const labelOf = (model: string): string => {
    if (models.has(model) || models.size < MAX_MODEL_LABELS) {
      models.add(model);
      return model;
    }
    return 'other';
  };

  const converse = async (modelId: string, req: GatewayRequest): Promise<{ outcome: string; response: GatewayResponse }> => {
    if (!ACCEPTED_MODEL_ID.test(modelId)) {
      return { outcome: 'not_found', response: awsError(404, 'ResourceNotFoundException', `Model ${modelId} is not served by the local Bedrock coach.`) };
    }
    const parsed = parseConverse(req.body);
    if (typeof parsed === 'string') return { outcome: 'validation_error', response: awsError(400, 'ValidationException', parsed) };
    const started = Date.now();
    if (faults && random() < faults.throttle) return { outcome: 'throttled', response: THROTTLED() };
    if (faults && faults.latencyMs > 0) await sleep(faults.latencyMs);
    if (faults && random() < (faults.timeout ?? 0)) return { outcome: 'timeout_injected', response: MODEL_TIMEOUT() };
    const malformed = faults !== undefined && forcedTool(parsed) !== undefined && random() < faults.malformed;
    const toolUseId = `tooluse_${req.requestId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 40)}`;
    let body: ReturnType<typeof coachAnswer>;
    try {
      body = coachAnswer(parsed, { toolUseId, malformed, latencyMs: Date.now() - started });
    } catch (e) {
      if (!(e instanceof UnsatisfiableSchemaError)) throw e;
      return { outcome: 'validation_error', response: awsError(400, 'ValidationException', e.message) };
    }
    const outcome = malformed ? 'malformed_injected' : body.stopReason;
    return { outcome, response: { status: 200, headers: { 'content-type': 'application/json' }, body } };
  };

  return {
    signingNames: ['bedrock'],
    metrics: () => requests.render() + invokes.render() + images.render(),
    async handle(req) {
      const m = OPERATION.exec(req.path);
      if (!m || req.method !== 'POST') return awsError(404, 'UnknownOperationException', `No operation at ${req.method} ${req.path}`);
      let modelId: string;
      try {
        modelId = decodeURIComponent(m[1] ?? '');
      } catch {
        return awsError(400, 'ValidationException', 'The model identifier is not a valid percent-encoded string.');
      }
      if (m[2] === 'invoke') {
        const r = await invokeImageModel(modelId, req, faults, random);
        const model = r.outcome === 'not_found' ? 'unknown' : labelOf(modelId);
        invokes.inc({ model, outcome: r.outcome });
        if (r.images > 0) images.inc({ model }, r.images);
        if (r.response.status !== 200) log.info({ modelId, outcome: r.outcome, status: r.response.status }, 'invoke model refused');
        return r.response;
      }
      const { outcome, response } = await converse(modelId, req);
      requests.inc({ model: outcome === 'not_found' ? 'unknown' : labelOf(modelId), outcome });
      if (response.status !== 200) log.info({ modelId, outcome, status: response.status }, 'converse refused');
      return response;
    },
  };
}

/** The request body as a Converse request, or the reason it is not one (a ValidationException's message). */
function parseConverse(body: Buffer): ConverseRequest | string {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return 'The request body is not valid JSON.';
  }
  const r = ConverseRequest.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    return `1 validation error detected: Value at '${issue?.path.join('.') ?? ''}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`;
  }
  const cfg = r.data.toolConfig;
  const choice = cfg?.toolChoice;
  if (cfg && choice && 'tool' in choice && !cfg.tools.some((t) => t.toolSpec.name === choice.tool.name)) {
    return `toolChoice names tool ${choice.tool.name}, which is not in toolConfig.tools.`;
  }
  return r.data;
}
