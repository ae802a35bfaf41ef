import { App } from 'cdktf';
import { ComputeStack, type ComputeStackOptions } from './compute-stack';
import type { InfraConfig } from './config';
import { DataStack } from './data-stack';
import { DisplayStack } from './display-stack';
import { IotStack } from './iot-stack';
import { ObservabilityStack } from './observability-stack';

export interface PulsepetStacks {
  app: App;
  data: DataStack;
  observability: ObservabilityStack;
  compute: ComputeStack;
  iot: IotStack;
  display: DisplayStack;
}

export interface PulsepetAppOptions extends ComputeStackOptions {
  /** cdktf's output directory (cdktf.json `output`; the CLI passes it in CDKTF_OUTDIR) */
  outdir?: string;
}

/**
 * The whole deployment. Stacks are applied in dependency order by `cdktf deploy '*'`:
 * data (the tables) → observability (log groups exist before anything logs) → compute
 * (functions, with the rules' invoke permissions) → iot (the rules start routing only
 * when the functions they call are there) → display (the page, once there is data).
 *
 * @example
 * const { app } = pulsepetApp(loadInfraConfig(process.env));
 * app.synth();
 */
export function pulsepetApp(config: InfraConfig, options: PulsepetAppOptions = {}): PulsepetStacks {
  const app = new App({ ...(options.outdir === undefined ? {} : { outdir: options.outdir }), skipValidation: false });
  const data = new DataStack(app, config);
  const observability = new ObservabilityStack(app, config);
  const compute = new ComputeStack(app, config, options);
  compute.addDependency(data);
  compute.addDependency(observability);
  const iot = new IotStack(app, config);
  iot.addDependency(compute);
  iot.addDependency(data);
  const display = new DisplayStack(app, config);
  display.addDependency(iot);
  return { app, data, observability, compute, iot, display };
}
