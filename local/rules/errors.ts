import { PulsepetError } from '../../protocol/errors';
import { IOT_ERROR_STATUS, type IotErrorType, iotError } from '../registry/errors';

/**
 * Exceptions the topic-rule operations raise, with the HTTP status AWS uses.
 * The SDK's command docs list exactly these for Create/Replace/Get/List/Delete/
 * Enable/DisableTopicRule; a missing rule is answered with UnauthorizedException
 * (none of those operations declares ResourceNotFoundException).
 */
const TOPIC_RULE_ERROR_TYPES = [
  'InvalidRequestException',
  'SqlParseException',
  'ResourceAlreadyExistsException',
  'ConflictingResourceUpdateException',
  'UnauthorizedException',
  'InternalException',
] as const satisfies readonly IotErrorType[];

export type TopicRuleErrorType = (typeof TOPIC_RULE_ERROR_TYPES)[number];

/** HTTP status per exception, from the one IoT error catalog (local/registry/errors.ts). */
export const TOPIC_RULE_ERROR_STATUS = Object.fromEntries(
  TOPIC_RULE_ERROR_TYPES.map((t) => [t, IOT_ERROR_STATUS[t]]),
) as Record<TopicRuleErrorType, number>;

/** A PulsepetError carrying the IoT exception name in `details.awsErrorType`. */
export function topicRuleError(type: TopicRuleErrorType, message: string, cause?: unknown): PulsepetError {
  return iotError(type, message, { cause });
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
