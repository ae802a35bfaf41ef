/** The local AWS-compatible HTTP gateway (SigV4, routing by signing name) and its `iot` service. */
export { awsError } from './aws-error';
export { createIotService, type IotService, type IotServiceOptions } from './iot/service';
export { type RestRoute, RestRouter } from './rest-router';
export { type GatewayHandle, type GatewayOptions, MAX_BODY_BYTES, startGateway } from './server';
export { beginSigV4, finishSigV4, verifySigV4 } from './sigv4';
export { GatewayMetrics, LabelledCounter, type MetricsSource } from './metrics';
export type { GeneratedFile, StaticRequest, StaticSiteOptions } from './static-site';
