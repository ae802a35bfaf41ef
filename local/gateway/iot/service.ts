import type { CaMaterial } from '../../../certs/index';
import { type Logger, silentLogger } from '../../../common/logger';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../../ports';
import type { Registry } from '../../registry/registry';
import { awsError } from '../aws-error';
import { type RestRoute, RestRouter } from '../rest-router';
import { caCertificateOperations } from './ca-certificates';
import { certificateIssuingOperations } from './certificate-issuing';
import { certificateOperations } from './certificates';
import { bindOperations, type IotContext, type IotOperation } from './context';
import { endpointOperations } from './endpoint';
import { iotErrorResponse } from './error-response';
import { policyOperations } from './policies';
import { policyAttachmentOperations } from './policy-attachments';
import { policyVersionOperations } from './policy-versions';
import { provisioningTemplateOperations } from './provisioning-templates';
import { thingPrincipalOperations } from './thing-principals';
import { thingTypeOperations } from './thing-types';
import { thingOperations } from './things';

export interface IotServiceOptions {
  registry: Registry;
  region: string;
  /** the local stand-in of the AWS-managed CA: issues CreateKeysAndCertificate / CSR certificates */
  ca: CaMaterial;
  /** `host:port` DescribeEndpoint answers; a function because the broker port is known late */
  mqttAddress?: () => string;
  /** more restJson1 routes on the same signing name (topic rules from the rules runtime) */
  extraRoutes?: RestRoute[];
  logger?: Logger;
}

export interface IotService extends GatewayService {
  /** resolves once the AWS-managed CA is registered in the registry */
  readonly ready: Promise<void>;
  /** adds a route later (e.g. when the rules runtime starts after the gateway) */
  addRoute(route: RestRoute): void;
}

/** Every iot control-plane operation the local registry serves, one table per resource. */
const IOT_OPERATIONS: readonly IotOperation[] = [
  ...thingOperations,
  ...thingPrincipalOperations,
  ...thingTypeOperations,
  ...endpointOperations,
  ...certificateIssuingOperations,
  ...certificateOperations,
  ...caCertificateOperations,
  ...policyOperations,
  ...policyVersionOperations,
  ...policyAttachmentOperations,
  ...provisioningTemplateOperations,
];

/**
 * The `iot` control plane (restJson1) over the local registry: things, thing types, certificates,
 * CA certificates, policies, attachments, DescribeEndpoint. Registry errors carry
 * the IoT exception name and are answered with the status AWS documents for it.
 *
 * @example
 * const iot = createIotService({ registry, region, ca, mqttAddress: () => `localhost:${broker.port}` });
 * gateway.addService(iot);
 */
export function createIotService(opts: IotServiceOptions): IotService {
  const logger = (opts.logger ?? silentLogger()).child({ component: 'iot-service' });
  const ready = opts.registry.ensureAwsManagedCa(opts.ca.certificateId, opts.ca.certificatePem).then(() => undefined);
  ready.catch((e: unknown) => logger.error({ err: e }, 'cannot register the AWS-managed CA'));
  const ctx: IotContext = {
    registry: opts.registry,
    region: opts.region,
    ca: opts.ca,
    mqttAddress: opts.mqttAddress ?? (() => 'localhost:8883'),
    logger,
    ready,
  };
  const router = new RestRouter([...bindOperations(ctx, IOT_OPERATIONS), ...(opts.extraRoutes ?? [])]);
  return {
    signingNames: ['iot'],
    ready,
    handle: (req) => dispatch(router, req, logger),
    // control-plane actions are checked on `*`: policies scoping them to narrower ARNs are not
    // modelled (the only role here, the display's, is granted none of them)
    iamRequest: (req) => {
      const m = router.match(req.method, req.path);
      return m !== undefined && 'route' in m ? [{ action: `iot:${m.route.operation}`, resource: '*' }] : [];
    },
    addRoute: (r) => router.add(r),
  };
}

/** Routes one request to its operation; unknown paths are 404 and known paths under another method 405. */
async function dispatch(router: RestRouter, req: GatewayRequest, logger: Logger): Promise<GatewayResponse> {
  const m = router.match(req.method, req.path);
  if (m === undefined) return awsError(404, 'UnknownOperationException', `No iot operation at ${req.method} ${req.path}`);
  if ('methodNotAllowed' in m) {
    return awsError(405, 'UnknownOperationException', `No iot operation at ${req.method} ${req.path}`);
  }
  const log = logger.child({ requestId: req.requestId, operation: m.route.operation });
  try {
    const out = await m.route.handle(m.params, req);
    log.debug({ status: out.status }, 'iot operation');
    return out;
  } catch (e) {
    return iotErrorResponse(e, log);
  }
}
