import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import type { GatewayRequest, GatewayResponse, GatewayService, IamRequest, RoleSession } from '../ports';
import { awsError } from './aws-error';

/** A request an assumed role may make, or AWS's answer to one it may not. */
export type IamDecision = { ok: true } | { ok: false; response: GatewayResponse; denied: IamRequest | undefined };

/**
 * IAM authorization of a request signed with an assumed role's temporary credentials:
 * every action and resource the service says the request needs must be allowed by the
 * role's policy (explicit Deny wins, default deny; IAM evaluation logic,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * A service that cannot say what a request needs is closed to the role.
 * Denials are answered 403 with the service's error type and AWS's message form
 * ("User: … is not authorized to perform: … on resource: … because …").
 */
export function authorizeRoleSession(service: GatewayService, req: GatewayRequest, session: RoleSession): IamDecision {
  const errorType = service.accessDeniedType ?? 'AccessDeniedException';
  const needs = service.iamRequest?.(req);
  if (needs === undefined || needs.length === 0) {
    const message = `User: ${session.arn} is not authorized to perform this operation: no identity-based policy allows actions of the '${req.service}' service`;
    return { ok: false, response: awsError(403, errorType, message), denied: undefined };
  }
  const ctx = { region: req.region, accountId: LOCAL_ACCOUNT_ID, clientId: '' };
  for (const need of needs) {
    const result = session.rights.authorize(need.action, need.resource, ctx);
    if (result.allowed) continue;
    const why =
      result.decision === 'explicit-deny'
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${need.action} action`;
    const message = `User: ${session.arn} is not authorized to perform: ${need.action} on resource: ${need.resource} ${why}`;
    return { ok: false, response: awsError(403, errorType, message), denied: need };
  }
  return { ok: true };
}
