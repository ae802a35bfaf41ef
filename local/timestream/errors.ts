import { type ErrorCode, PulsepetError } from '../../protocol/errors';

/** The Timestream exception names the local store raises (awsJson1_0 `__type` suffixes). */
export type TimestreamErrorType =
  | 'ValidationException'
  | 'ResourceNotFoundException'
  | 'ConflictException'
  | 'RejectedRecordsException'
  | 'InternalServerException'
  | 'ThrottlingException'
  | 'AccessDeniedException';

/** One rejected record, exactly as Timestream's `RejectedRecord` shape. */
export interface RejectedRecord {
  RecordIndex: number;
  Reason: string;
  ExistingVersion?: number;
}

const STATUS: Record<TimestreamErrorType, number> = {
  ValidationException: 400,
  ResourceNotFoundException: 404,
  ConflictException: 409,
  // https://docs.aws.amazon.com/timestream/latest/APIReference/API_WriteRecords.html (HTTP 419)
  RejectedRecordsException: 419,
  InternalServerException: 500,
  ThrottlingException: 429,
  AccessDeniedException: 403,
};

const CODE: Record<TimestreamErrorType, ErrorCode> = {
  ValidationException: 'PP_ERR_VALIDATION',
  ResourceNotFoundException: 'PP_ERR_NOT_FOUND',
  ConflictException: 'PP_ERR_CONFLICT',
  RejectedRecordsException: 'PP_ERR_VALIDATION',
  InternalServerException: 'PP_ERR_STORE',
  ThrottlingException: 'PP_ERR_LIMIT',
  AccessDeniedException: 'PP_ERR_UNAUTHORIZED',
};

/**
 * A domain error that maps 1:1 onto a Timestream API exception, so the service can
 * answer with the shape the real SDK deserializes into its typed exception.
 */
export class TimestreamError extends PulsepetError {
  readonly type: TimestreamErrorType;
  readonly status: number;
  readonly rejectedRecords: RejectedRecord[] | undefined;

  constructor(
    type: TimestreamErrorType,
    message: string,
    options: { code?: ErrorCode; cause?: unknown; rejectedRecords?: RejectedRecord[] } = {},
  ) {
    super(options.code ?? CODE[type], message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'TimestreamError';
    this.type = type;
    this.status = STATUS[type];
    this.rejectedRecords = options.rejectedRecords;
  }
}

/** Shorthand for the most common one. */
export function validationError(message: string, code: ErrorCode = 'PP_ERR_VALIDATION'): TimestreamError {
  return new TimestreamError('ValidationException', message, { code });
}

/** Timestream SQL outside the supported subset: a ValidationException carrying PP_ERR_SQL. */
export function unsupportedSql(what: string): TimestreamError {
  return new TimestreamError(
    'ValidationException',
    `${what} is not supported by the local Timestream store (supported: SELECT [DISTINCT] … FROM "db"."table" [WHERE] [GROUP BY] [HAVING] [ORDER BY] [LIMIT])`,
    { code: 'PP_ERR_SQL' },
  );
}

/**
 * Why one record of a WriteRecords call is rejected (its `RejectedRecord.Reason`): thrown
 * by the per-record checks and caught per record, so the other records still land.
 */
export class RecordRejection extends Error {}
