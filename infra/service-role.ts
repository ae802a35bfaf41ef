import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { Construct } from 'constructs';
import { type PolicyStatement, policyDocument } from './policy';

export interface ServiceRoleProps {
  /** the role's name (fixed by the contract, or prefixed) */
  name: string;
  description: string;
  /** the trust policy (policy.ts: serviceTrustPolicy, lambdaTrustPolicy) */
  trust: string;
  /** its one inline policy: exactly what the role's user calls */
  statements: readonly PolicyStatement[];
}

/** An IAM role with one inline policy (no managed policies, so nothing is granted that is not written here). */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: ServiceRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', { name: props.name, description: props.description, assumeRolePolicy: props.trust });
    this.policy = new IamRolePolicy(this, 'policy', { name: props.name, role: this.role.id, policy: policyDocument(props.statements) });
  }
}
