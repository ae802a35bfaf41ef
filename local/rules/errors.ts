import { type ErrorCode, PulsepetError } from '../../protocol/errors';

/**
 * Exceptions the topic-rule operations raise, with the HTTP status AWS uses.
 * The SDK's command docs list exactly these for Create/Replace/Get/List/Delete/
 * Enable/DisableTopicRule; a missing rule is answered with UnauthorizedException
 * (none of those operations declares ResourceNotFoundException).
 */
export const TOPIC_RULE_ERROR_STATUS = {
  InvalidRequestException: 400,
  SqlParseException: 400,
  ResourceAlreadyExistsException: 409,
  ConflictingResourceUpdateException: 409,
  UnauthorizedException: 401,
  InternalException: 500,
} as const;

export type TopicRuleErrorType = keyof typeof TOPIC_RULE_ERROR_STATUS;

const CODES: Record<TopicRuleErrorType, ErrorCode> = {
  InvalidRequestException: 'PP_ERR_VALIDATION',
  SqlParseException: 'PP_ERR_SQL',
  ResourceAlreadyExistsException: 'PP_ERR_ALREADY_EXISTS',
  ConflictingResourceUpdateException: 'PP_ERR_CONFLICT',
  UnauthorizedException: 'PP_ERR_UNAUTHORIZED',
  InternalException: 'PP_ERR_INTERNAL',
};

/** A PulsepetError carrying the IoT exception name in `details.awsErrorType`. */
export function topicRuleError(type: TopicRuleErrorType, message: string, cause?: unknown): PulsepetError {
  return new PulsepetError(CODES[type], message, { details: { awsErrorType: type }, cause });
}

/** The IoT exception name for an error thrown by the rules runtime. */
export function topicRuleErrorTypeOf(e: unknown): TopicRuleErrorType {
  if (e instanceof PulsepetError) {
    const t = e.details?.awsErrorType;
    if (typeof t === 'string' && t in TOPIC_RULE_ERROR_STATUS) return t as TopicRuleErrorType;
    if (e.code === 'PP_ERR_SQL') return 'SqlParseException';
    if (e.code === 'PP_ERR_VALIDATION') return 'InvalidRequestException';
  }
  return 'InternalException';
}
