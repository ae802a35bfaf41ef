import type { Logger } from '../../../common/logger';
import type { GatewayResponse } from '../../ports';
import { IOT_ERROR_STATUS, iotErrorTypeOf } from '../../registry/errors';
import { awsError } from '../aws-error';

/**
 * The AWS error response for an error an iot operation threw: the IoT exception
 * type with the status AWS documents for it, plus `resourceId` / `resourceArn` where
 * the exception carries them (ResourceAlreadyExistsException). Anything that is not
 * a known registry error is a 500 whose message reveals nothing (it is logged instead).
 */
export function iotErrorResponse(e: unknown, log: Logger): GatewayResponse {
  const type = iotErrorTypeOf(e);
  if (type === 'InternalFailureException') {
    log.error({ err: e }, 'iot operation failed');
    return awsError(500, type, 'An unexpected error has occurred.');
  }
  const err = e as { message: string; details?: Record<string, unknown> };
  const extra: Record<string, unknown> = {};
  if (err.details?.resourceId !== undefined) extra.resourceId = err.details.resourceId;
  if (err.details?.resourceArn !== undefined) extra.resourceArn = err.details.resourceArn;
  log.info({ errorType: type, reason: err.message }, 'iot operation rejected');
  return awsError(IOT_ERROR_STATUS[type], type, err.message, extra);
}
