/**
 * The local IoT Core policy engine: parse AWS IoT policy documents and evaluate
 * CONNECT / PUBLISH / SUBSCRIBE / RECEIVE (and shadow) actions against them.
 */
export {
  type ConditionOperator,
  MAX_IAM_ROLE_POLICY_CHARS,
  MAX_POLICY_DOCUMENT_CHARS,
  MAX_POLICY_DOCUMENT_DEPTH,
  type PolicyDocument,
  type PolicyStatement,
  parsePolicyDocument,
  SUPPORTED_CONDITION_OPERATORS,
} from './document';
export {
  type AuthzContext,
  type AuthzDecision,
  type AuthzResult,
  type ConnectionAuthorizer,
  contextResolver,
  type IotAction,
  PolicyEvaluator,
} from './evaluator';
export { connectionThingName, type IotResourceKind, iotResourceArn } from './resources';
