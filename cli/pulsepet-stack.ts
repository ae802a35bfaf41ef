/**
 * The one place where pulsepet is wired onto the local IoT Core: the function
 * registry (functions/registry.ts) and the rules (cloud-rules/) go to the local Lambda
 * service and rules runtime, exactly as infra/ hands the same two lists to AWS; the
 * models' inference handler serves the local SageMaker endpoint `pulsepet-models`; the
 * built pet display is served at /display/ on the gateway's port; the ingest function
 * comes first in the Lambda queue when the machine is short of CPU.
 */
import { pulsepetRules } from '../cloud-rules/rules';
import { pulsepetSchedules } from '../cloud-rules/schedules';
import { silentLogger } from '../common/logger';
import { MODEL_ENDPOINT_NAME, serveModels } from '../functions/reasoning/model-container';
import { FUNCTIONS, type FunctionDefinition } from '../functions/registry';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../local/stack';
import { FUNCTION_NAMES } from '../protocol/resources';
import { DISPLAY_DIST, serveDisplay } from './display-site';

/** Options of {@link startPulsepetStack}: the local stack's, minus what pulsepet provides. */
export type PulsepetStackOptions = Omit<LocalStackOptions, 'functions' | 'rules' | 'schedules' | 'modelEndpoints'> & {
  /** the built display to serve (default display/dist); false serves none */
  displayDir?: string | false;
  /**
   * Changes to functions' environment variables by function name, as
   * UpdateFunctionConfiguration would make them (benchmarks: the reasoning loop without
   * the coach or the avatar); `null` removes a variable.
   */
  environment?: Readonly<Record<string, Readonly<Record<string, string | null>>>>;
};

/** The registry's functions with `changes` applied to their environment variables. */
export function withEnvironment(functions: readonly FunctionDefinition[], changes: PulsepetStackOptions['environment'] = {}): FunctionDefinition[] {
  return functions.map((f) => {
    const change = changes[f.name];
    if (change === undefined) return f;
    const environment: Record<string, string> = { ...f.environment };
    for (const [k, v] of Object.entries(change)) {
      if (v === null) delete environment[k];
      else environment[k] = v;
    }
    return { ...f, environment };
  });
}

/**
 * The Lambda queue's limits for pulsepet: the caller's, with the ingest function first
 * when the machine is short of CPU (local/lambda/lane-priority.ts): an ingest event the
 * queue refused would be an acknowledged batch missing from the store. A caller's own
 * `priority` replaces it (`{ functions: [] }`: none).
 */
export function pulsepetQueueLimits(limits: LocalStackOptions['lambdaQueue'] = {}): NonNullable<LocalStackOptions['lambdaQueue']> {
  return { priority: { functions: [FUNCTION_NAMES.ingest] }, ...limits };
}

/**
 * Starts the local IoT Core with pulsepet's functions and rules deployed, and the pet display.
 * @example const stack = await startPulsepetStack({ dataDir: '.pulsepet', logger });
 */
export async function startPulsepetStack(opts: PulsepetStackOptions): Promise<LocalStack> {
  const { displayDir = DISPLAY_DIST, environment, ...local } = opts;
  const stack = await startLocalStack({ ...local, lambdaQueue: pulsepetQueueLimits(local.lambdaQueue), functions: withEnvironment(FUNCTIONS, environment), rules: pulsepetRules, schedules: pulsepetSchedules, modelEndpoints: new Map([[MODEL_ENDPOINT_NAME, serveModels]]) });
  if (displayDir !== false) {
    const target = { region: stack.region, identityPoolId: stack.display.identityPoolId, httpEndpoint: stack.httpEndpoint, httpsEndpoint: stack.httpsEndpoint };
    serveDisplay(stack.gateway, target, opts.logger ?? silentLogger(), displayDir);
  }
  return stack;
}
