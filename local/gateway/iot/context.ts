import type { CaMaterial } from '../../../certs/index';
import type { Logger } from '../../../common/logger';
import type { GatewayRequest, GatewayResponse } from '../../ports';
import type { Registry } from '../../registry/registry';
import type { RestRoute } from '../rest-router';

/** What every iot operation handler needs. */
export interface IotContext {
  registry: Registry;
  region: string;
  ca: CaMaterial;
  /** `host:port` of the MQTT broker; known only once it listens, hence a function. */
  mqttAddress: () => string;
  logger: Logger;
  /** resolves once the local AWS-managed CA is in the registry */
  ready: Promise<unknown>;
}

/** The part of the context helpers that only read the registry need. */
export type RegistryContext = Pick<IotContext, 'registry'>;

/** Path labels of a matched route (`{thingName}` → `params.thingName`). */
export type PathParams = Record<string, string>;

/** One iot operation's handler; the context comes first so handlers can be plain module functions. */
export type IotHandler = (ctx: IotContext, params: PathParams, req: GatewayRequest) => Promise<GatewayResponse>;

/**
 * One iot operation as data: its restJson1 binding (`@http(method, uri)` in the
 * Smithy model) and its handler. Each resource module exports a table of these.
 */
export interface IotOperation {
  method: string;
  path: string;
  operation: string;
  handle: IotHandler;
}

/**
 * Binds operation tables to one context, giving the routes the router matches.
 *
 * @example
 * const router = new RestRouter(bindOperations(ctx, [...thingOperations, ...policyOperations]));
 */
export function bindOperations(ctx: IotContext, operations: readonly IotOperation[]): RestRoute[] {
  return operations.map((op) => ({
    method: op.method,
    path: op.path,
    operation: op.operation,
    handle: (params, req) => op.handle(ctx, params, req),
  }));
}
