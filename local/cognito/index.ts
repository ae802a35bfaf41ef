/**
 * The local Cognito Identity: the display's identity pool, the temporary credentials it
 * issues for the `pulsepet-display` role, and the `cognito-identity` gateway service.
 */
import type { Logger } from '../../common/logger';
import { DISPLAY_IDENTITY_POOL_NAME, displayRoleArn, displayRolePolicyDocument, displaySessionArn } from '../../protocol/display-access';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import { MAX_IAM_ROLE_POLICY_CHARS, parsePolicyDocument } from '../policy/document';
import { PolicyEvaluator } from '../policy/evaluator';
import type { GatewayService } from '../ports';
import { createCognitoIdentityService } from './cognito-service';
import { openIdentityPool } from './identity-pool';
import { RoleSessionStore } from './role-sessions';

export { COGNITO_OPERATIONS, createCognitoIdentityService, type CognitoIdentityServiceOptions } from './cognito-service';
export { type IdentityPool, openIdentityPool } from './identity-pool';
export { RoleSessionStore, SESSION_LIFETIME_MS } from './role-sessions';

/** The display's identity pool as the stack runs it. */
export interface DisplayIdentity {
  /** `<region>:<uuid>`, the same at every start of a data dir: what the display's config names */
  identityPoolId: string;
  /** the role its unauthenticated identities assume (`arn:aws:iam::…:role/pulsepet-display`) */
  roleArn: string;
  /** the credentials issued so far; the gateway and the broker check requests against them */
  sessions: RoleSessionStore;
  /** `cognito-identity` on the gateway */
  service: GatewayService;
  /** the role's IAM policy documents (JSON), the sessions' rights: what a copy of a session is rebuilt from */
  rolePolicyDocuments: readonly string[];
}

/** The rights of a role with these IAM policy documents (JSON). */
export function roleRights(documents: readonly string[]): PolicyEvaluator {
  return new PolicyEvaluator(documents.map((d) => parsePolicyDocument(d, { maxChars: MAX_IAM_ROLE_POLICY_CHARS })));
}

/**
 * Opens the display's identity pool in `dataDir` (created on first start) with the
 * `pulsepet-display` role's policy from protocol/display-access.ts as its identities' rights.
 *
 * @example
 * const display = openDisplayIdentity({ dataDir, region, logger });
 * gateway.addService(display.service);
 */
export function openDisplayIdentity(opts: { dataDir: string; region: string; logger: Logger; sessions?: RoleSessionStore }): DisplayIdentity {
  const pool = openIdentityPool(opts.dataDir, opts.region, DISPLAY_IDENTITY_POOL_NAME);
  const policy = displayRolePolicyDocument({ region: opts.region, accountId: LOCAL_ACCOUNT_ID });
  const rights = roleRights([policy]);
  const sessions = opts.sessions ?? new RoleSessionStore();
  const sessionArn = displaySessionArn(LOCAL_ACCOUNT_ID);
  const service = createCognitoIdentityService({ pool, sessions, sessionArn, rights, logger: opts.logger });
  return { identityPoolId: pool.id, roleArn: displayRoleArn(LOCAL_ACCOUNT_ID), sessions, service, rolePolicyDocuments: [policy] };
}
