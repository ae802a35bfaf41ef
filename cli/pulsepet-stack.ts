/**
 * The one place where pulsepet is wired onto the local IoT Core: the function
 * registry (functions/registry.ts) and the rules (cloud-rules/) go to the local Lambda
 * service and rules runtime, exactly as infra/ hands the same two lists to AWS; the
 * models' inference handler serves the local SageMaker endpoint `pulsepet-models`.
 */
import { pulsepetRules } from '../cloud-rules/rules';
import { pulsepetSchedules } from '../cloud-rules/schedules';
import { MODEL_ENDPOINT_NAME, serveModels } from '../functions/reasoning/model-container';
import { FUNCTIONS } from '../functions/registry';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../local/stack';

/** Options of {@link startPulsepetStack}: the local stack's, minus what pulsepet provides. */
export type PulsepetStackOptions = Omit<LocalStackOptions, 'functions' | 'rules' | 'schedules' | 'modelEndpoints'>;

/**
 * Starts the local IoT Core with pulsepet's functions and rules deployed.
 * @example const stack = await startPulsepetStack({ dataDir: '.pulsepet', logger });
 */
export function startPulsepetStack(opts: PulsepetStackOptions): Promise<LocalStack> {
  return startLocalStack({ ...opts, functions: FUNCTIONS, rules: pulsepetRules, schedules: pulsepetSchedules, modelEndpoints: new Map([[MODEL_ENDPOINT_NAME, serveModels]]) });
}
