import type { GatewayRequest } from '../../ports';
import type { IotContext, IotOperation, PathParams } from './context';
import { enumQuery } from './request-input';
import { ok } from './responses';

/** https://docs.aws.amazon.com/iot/latest/apireference/API_DescribeEndpoint.html `endpointType` values. */
const ENDPOINT_TYPES = ['iot:Data', 'iot:Data-ATS', 'iot:CredentialProvider', 'iot:Jobs'] as const;

/** Every endpoint type answers the one local broker address. */
async function describeEndpoint(ctx: IotContext, _params: PathParams, req: GatewayRequest) {
  enumQuery(req, 'endpointType', ENDPOINT_TYPES, (got) => `unknown endpointType '${got}'`, 'iot:Data');
  return ok({ endpointAddress: ctx.mqttAddress() });
}

export const endpointOperations: readonly IotOperation[] = [
  { method: 'GET', path: '/endpoint', operation: 'DescribeEndpoint', handle: describeEndpoint },
];
