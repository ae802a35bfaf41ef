/**
 * Cognito Identity (signing name `cognito-identity`) on the local gateway, as much as the
 * display needs: `GetId` and `GetCredentialsForIdentity` for unauthenticated identities of
 * the display's identity pool (the enhanced flow, which `fromCognitoIdentityPool` of
 * `@aws-sdk/credential-providers` calls). awsJson1_1: `POST /` with
 * `X-Amz-Target: AWSCognitoIdentityService.<Operation>`; both operations are unsigned on
 * AWS (Smithy `smithy.api#noAuth`), so the gateway admits them without a signature.
 * https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetId.html
 * https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_GetCredentialsForIdentity.html
 */
import type { Logger } from '../../common/logger';
import type { PolicyEvaluator } from '../policy/evaluator';
import type { GatewayRequest, GatewayResponse, GatewayService } from '../ports';
import type { IdentityPool } from './identity-pool';
import type { RoleSessionStore } from './role-sessions';

const TARGET_PREFIX = 'AWSCognitoIdentityService.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** The operations served, all unsigned. */
export const COGNITO_OPERATIONS = ['GetId', 'GetCredentialsForIdentity'] as const;
/** `IdentityPoolId` and `IdentityId`: "Length 1–55, Pattern: [\w-]+:[0-9a-f-]+". */
const ID_PATTERN = /^[\w-]+:[0-9a-f-]+$/;

/** What the service needs: the pool, where credentials go, and the role they carry. */
export interface CognitoIdentityServiceOptions {
  pool: IdentityPool;
  sessions: RoleSessionStore;
  /** the unauthenticated role's assumed-role session ARN (what the credentials act as) */
  sessionArn: string;
  /** the unauthenticated role's IAM policy */
  rights: PolicyEvaluator;
  logger: Logger;
}

/** An awsJson1_1 error: the SDK reads the type from `__type` (and `x-amzn-errortype`). */
function jsonError(status: number, type: string, message: string): GatewayResponse {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-errortype': type },
    body: { __type: type, message },
  };
}

function ok(body: object): GatewayResponse {
  return { status: 200, headers: { 'content-type': CONTENT_TYPE }, body };
}

/**
 * A constraint violation as AWS's front end words it (status 400 `ValidationException`:
 * "1 validation error detected: Value 'x' at 'identityPoolId' failed to satisfy constraint: …").
 */
function invalid(field: string, value: unknown, constraint: string): GatewayResponse {
  const shown = value === undefined || value === null ? 'null' : `'${String(value)}'`;
  return jsonError(400, 'ValidationException', `1 validation error detected: Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`);
}

/** A pool or identity id: present, a string, 1–55 characters, `[\w-]+:[0-9a-f-]+`; else the error to answer. */
function idField(body: Record<string, unknown>, member: string): string | GatewayResponse {
  const field = member.charAt(0).toLowerCase() + member.slice(1);
  const v = body[member];
  if (v === undefined || v === null) return invalid(field, v, 'Member must not be null');
  if (typeof v !== 'string') return jsonError(400, 'SerializationException', `'${member}' must be a string`);
  if (v.length > 55) return invalid(field, v, 'Member must have length less than or equal to 55');
  if (!ID_PATTERN.test(v)) return invalid(field, v, 'Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+');
  return v;
}

/**
 * The pool has no identity providers: it serves unauthenticated identities only, so
 * `Logins` (tokens of a provider) and `CustomRoleArn` (token-based role choice) are refused.
 */
function unsupportedParameters(body: Record<string, unknown>, poolName: string): GatewayResponse | undefined {
  const logins = body.Logins;
  if (logins !== undefined && logins !== null && (typeof logins !== 'object' || Object.keys(logins).length > 0)) {
    return jsonError(400, 'InvalidParameterException', `Logins are not supported: identity pool '${poolName}' has no identity providers (unauthenticated identities only).`);
  }
  if (body.CustomRoleArn !== undefined && body.CustomRoleArn !== null) {
    return jsonError(400, 'InvalidParameterException', 'CustomRoleArn is not supported for unauthenticated identities.');
  }
  return undefined;
}

/**
 * Builds the `cognito-identity` service.
 *
 * @example
 * gateway.addService(createCognitoIdentityService({ pool, sessions, sessionArn, rights, logger }));
 */
export function createCognitoIdentityService(opts: CognitoIdentityServiceOptions): GatewayService {
  const log = opts.logger.child({ component: 'cognito-identity' });
  const { pool } = opts;

  function getId(body: Record<string, unknown>): GatewayResponse {
    const poolId = idField(body, 'IdentityPoolId');
    if (typeof poolId !== 'string') return poolId;
    const unsupported = unsupportedParameters(body, pool.name);
    if (unsupported) return unsupported;
    if (poolId !== pool.id) return jsonError(400, 'ResourceNotFoundException', `IdentityPool '${poolId}' not found.`);
    const identityId = pool.newIdentityId();
    log.debug({ identityId }, 'unauthenticated identity created');
    return ok({ IdentityId: identityId });
  }

  function getCredentialsForIdentity(body: Record<string, unknown>): GatewayResponse {
    const identityId = idField(body, 'IdentityId');
    if (typeof identityId !== 'string') return identityId;
    const unsupported = unsupportedParameters(body, pool.name);
    if (unsupported) return unsupported;
    if (!pool.hasIdentity(identityId)) return jsonError(400, 'ResourceNotFoundException', `Identity '${identityId}' not found.`);
    const s = opts.sessions.issue(opts.sessionArn, opts.rights);
    log.debug({ identityId, accessKeyId: s.accessKeyId }, 'temporary credentials issued');
    // Expiration is a timestamp, which awsJson1_1 sends as epoch seconds (Smithy timestampFormat default).
    const Credentials = { AccessKeyId: s.accessKeyId, SecretKey: s.secretAccessKey, SessionToken: s.sessionToken, Expiration: Math.floor(s.expiresAt / 1000) };
    return ok({ IdentityId: identityId, Credentials });
  }

  const operations: Record<string, (body: Record<string, unknown>) => GatewayResponse> = {
    GetId: getId,
    GetCredentialsForIdentity: getCredentialsForIdentity,
  };

  return {
    signingNames: ['cognito-identity'],
    unsignedTargets: COGNITO_OPERATIONS.map((op) => `${TARGET_PREFIX}${op}`),
    async handle(req: GatewayRequest): Promise<GatewayResponse> {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
      const handler = req.method === 'POST' && Object.hasOwn(operations, op) ? operations[op] : undefined;
      if (!handler) return jsonError(400, 'UnknownOperationException', `Unknown operation '${target}'.`);
      let body: unknown;
      try {
        body = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      } catch {
        return jsonError(400, 'SerializationException', 'The request body is not valid JSON.');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return jsonError(400, 'SerializationException', 'The request body must be a JSON object.');
      }
      return handler(body as Record<string, unknown>);
    },
  };
}
