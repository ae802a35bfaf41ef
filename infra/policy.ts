import { documentText } from './terraform-escape';

/**
 * IAM policy documents as data: statements, the few actions AWS authorizes only on
 * `Resource: "*"`, and trust policies for service principals. Every document infra
 * writes goes through here, and the policy aspect (aspects.ts) checks the result.
 * Grammar: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html
 */

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * Actions that have no resource-level permissions, so a policy must name `"*"` for
 * them (service authorization reference, "Resource types" column empty). Each says why;
 * the policy aspect refuses `"*"` for any other action.
 */
export const WILDCARD_RESOURCE_ACTIONS: Readonly<Record<string, string>> = Object.freeze({
  'timestream:DescribeEndpoints':
    'Timestream endpoint discovery, which the Timestream SDK clients call before any Query or WriteRecords, has no resource type (list_amazontimestream.html).',
  'iot:ListThings': 'ListThings has no resource type (list_awsiot.html); the daily summary walks the fleet with it.',
});

/** The managed policy of the provisioning role (iot-stack.ts). */
export const PROVISIONING_MANAGED_POLICY = 'arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration';

/**
 * The AWS managed policies a role may have attached, each with why an inline policy
 * would not do; the policy aspect refuses any other attachment. AWS maintains these as
 * the service that assumes the role changes what it calls.
 */
export const ALLOWED_MANAGED_POLICIES: Readonly<Record<string, string>> = Object.freeze({
  [PROVISIONING_MANAGED_POLICY]:
    'What IoT Core calls with the provisioning role while it applies a template (create and update things, groups and certificates, attach policies and principals: registry actions only). AWS documents it for provisioning roles; several of those actions (AttachThingPrincipal, CreateCertificateFromCsr) have no resource-level permissions, so an inline copy would need "*" as well.',
});

/** A policy document of these statements, as the JSON string IAM and IoT take (multi-line: terraform-escape.ts documentText). */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return documentText({ Version: '2012-10-17', Statement: statements });
}

/** Allow `actions` on `*`: only actions in {@link WILDCARD_RESOURCE_ACTIONS}. */
export function wildcardResourceStatement(sid: string, actions: readonly string[]): PolicyStatement {
  const other = actions.filter((a) => WILDCARD_RESOURCE_ACTIONS[a] === undefined);
  if (other.length > 0) throw new Error(`${other.join(', ')} must name its resources: only ${Object.keys(WILDCARD_RESOURCE_ACTIONS).join(', ')} take "*"`);
  return { Sid: sid, Effect: 'Allow', Action: [...actions], Resource: '*' };
}

/**
 * The trust policy of a role a service assumes, limited to this account (and, with
 * `sourceArn`, to the resources that may use it): the confused-deputy guard of
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html.
 */
export function serviceTrustPolicy(service: string, accountId: string, sourceArn?: string): string {
  const condition: PolicyStatement['Condition'] = { StringEquals: { 'aws:SourceAccount': accountId } };
  if (sourceArn !== undefined) condition.ArnLike = { 'aws:SourceArn': sourceArn };
  return policyDocument([{ Sid: 'AssumedByService', Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole', Condition: condition }]);
}

/** The trust policy of a Lambda execution role (Lambda passes no source to condition on). */
export function lambdaTrustPolicy(): string {
  return policyDocument([{ Sid: 'AssumedByLambda', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
}

/** The values of a string-or-list field. */
export function listOf(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
