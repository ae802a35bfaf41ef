import { type ErrorCode, PulsepetError } from '../../protocol/errors';

/**
 * The AWS IoT control-plane exception names the registry can raise, with the HTTP
 * status AWS documents for each (IoT API reference, "Errors" section of each
 * operation; https://docs.aws.amazon.com/iot/latest/apireference/CommonErrors.html).
 */
export const IOT_ERROR_STATUS = {
  InvalidRequestException: 400,
  ResourceNotFoundException: 404,
  ResourceAlreadyExistsException: 409,
  DeleteConflictException: 409,
  VersionConflictException: 409,
  CertificateStateException: 406,
  CertificateValidationException: 400,
  RegistrationCodeValidationException: 400,
  CertificateConflictException: 409,
  MalformedPolicyException: 400,
  UnauthorizedException: 401,
  LimitExceededException: 410,
  VersionsLimitExceededException: 409,
  InternalFailureException: 500,
  // The topic-rule operations (mounted on the same `iot` service) raise these too.
  SqlParseException: 400,
  ConflictingResourceUpdateException: 409,
  InternalException: 500,
} as const;

export type IotErrorType = keyof typeof IOT_ERROR_STATUS;

const CODE_FOR_TYPE: Record<IotErrorType, ErrorCode> = {
  InvalidRequestException: 'PP_ERR_VALIDATION',
  ResourceNotFoundException: 'PP_ERR_NOT_FOUND',
  ResourceAlreadyExistsException: 'PP_ERR_ALREADY_EXISTS',
  DeleteConflictException: 'PP_ERR_CONFLICT',
  VersionConflictException: 'PP_ERR_CONFLICT',
  CertificateStateException: 'PP_ERR_CONFLICT',
  CertificateValidationException: 'PP_ERR_CERT',
  RegistrationCodeValidationException: 'PP_ERR_CERT',
  CertificateConflictException: 'PP_ERR_CONFLICT',
  MalformedPolicyException: 'PP_ERR_VALIDATION',
  UnauthorizedException: 'PP_ERR_UNAUTHORIZED',
  LimitExceededException: 'PP_ERR_LIMIT',
  VersionsLimitExceededException: 'PP_ERR_LIMIT',
  InternalFailureException: 'PP_ERR_INTERNAL',
  SqlParseException: 'PP_ERR_SQL',
  ConflictingResourceUpdateException: 'PP_ERR_CONFLICT',
  InternalException: 'PP_ERR_INTERNAL',
};

/**
 * A registry error: a PulsepetError whose `details.awsErrorType` names the IoT
 * exception the gateway must answer with (several AWS types share one catalog code).
 */
export function iotError(
  type: IotErrorType,
  message: string,
  extra: { resourceId?: string; resourceArn?: string; cause?: unknown } = {},
): PulsepetError {
  const details: Record<string, unknown> = { awsErrorType: type };
  if (extra.resourceId !== undefined) details.resourceId = extra.resourceId;
  if (extra.resourceArn !== undefined) details.resourceArn = extra.resourceArn;
  return new PulsepetError(CODE_FOR_TYPE[type], message, { details, cause: extra.cause });
}

const TYPE_FOR_CODE: Partial<Record<ErrorCode, IotErrorType>> = {
  PP_ERR_VALIDATION: 'InvalidRequestException',
  PP_ERR_CONFIG: 'InvalidRequestException',
  PP_ERR_NOT_FOUND: 'ResourceNotFoundException',
  PP_ERR_ALREADY_EXISTS: 'ResourceAlreadyExistsException',
  PP_ERR_CONFLICT: 'DeleteConflictException',
  PP_ERR_CERT: 'CertificateValidationException',
  PP_ERR_UNAUTHORIZED: 'UnauthorizedException',
  PP_ERR_LIMIT: 'LimitExceededException',
};

/** The IoT exception type for any error: explicit `awsErrorType`, else by catalog code. */
export function iotErrorTypeOf(e: unknown): IotErrorType {
  if (e instanceof PulsepetError) {
    const t = e.details?.awsErrorType;
    if (typeof t === 'string' && t in IOT_ERROR_STATUS) return t as IotErrorType;
    return TYPE_FOR_CODE[e.code] ?? 'InternalFailureException';
  }
  return 'InternalFailureException';
}
