/**
 * AWS IoT Core policy evaluation.
 *
 * IoT policies "follow the same policy evaluation logic as IAM policies. By
 * default, all policies are implicitly denied. An explicit allow in any ... policy
 * overrides this default behavior. An explicit deny in any policy overrides any
 * allows." (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policies.html)
 *
 * Every condition key the engine knows is a property of the connection, so
 * conditions and variables are settled once in {@link PolicyEvaluator.forConnection};
 * the per-message check is then only a few string comparisons.
 */
import type { ConditionOperator, PolicyDocument, PolicyStatement } from './document';
import { parsePolicyDocument } from './document';
import {
  type CompiledPattern,
  compilePattern,
  matchPattern,
  substituteLiteral,
  type VariableResolver,
} from './pattern';

/** IoT data-plane actions (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html). */
export type IotAction =
  | 'iot:Connect'
  | 'iot:Publish'
  | 'iot:RetainPublish'
  | 'iot:Subscribe'
  | 'iot:Receive'
  | 'iot:GetThingShadow'
  | 'iot:UpdateThingShadow'
  | 'iot:DeleteThingShadow'
  | 'iot:ListNamedShadowsForThing'
  | (string & {});

/** What the policy variables of one connection resolve to. */
export interface AuthzContext {
  region: string;
  accountId: string;
  /** MQTT client id (`${iot:ClientId}`) */
  clientId: string;
  /** thing the connection acts as (`${iot:Connection.Thing.ThingName}`); undefined = not attached */
  thingName?: string;
  certificateId?: string;
  /** `${iot:Certificate.Subject.CommonName}` */
  subjectCommonName?: string;
  /** `${iot:Connection.Thing.ThingTypeName}` */
  thingTypeName?: string;
  /** `${iot:Connection.Thing.Attributes[name]}` */
  thingAttributes?: Readonly<Record<string, string>>;
}

export type AuthzDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

export interface AuthzResult {
  readonly allowed: boolean;
  readonly decision: AuthzDecision;
}

/** A per-connection compiled check: `(action, resourceArn) → result`. Results are shared frozen objects. */
export type ConnectionAuthorizer = (action: IotAction, resourceArn: string) => AuthzResult;

const ALLOW: AuthzResult = Object.freeze({ allowed: true, decision: 'allow' });
const EXPLICIT_DENY: AuthzResult = Object.freeze({ allowed: false, decision: 'explicit-deny' });
const IMPLICIT_DENY: AuthzResult = Object.freeze({ allowed: false, decision: 'implicit-deny' });

/**
 * Resolves a policy variable / condition key for a connection. Keys are matched
 * case-insensitively like IAM condition keys; attribute names keep their case.
 * Variables: https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html
 * and https://docs.aws.amazon.com/iot/latest/developerguide/basic-policy-variables.html
 */
export function contextResolver(ctx: AuthzContext): VariableResolver {
  return (name) => {
    const attr = /^iot:Connection\.Thing\.Attributes\[(.+)\]$/i.exec(name);
    if (attr) return ctx.thingName === undefined ? undefined : ctx.thingAttributes?.[attr[1] as string];
    switch (name.toLowerCase()) {
      case 'iot:clientid':
        return ctx.clientId;
      case 'iot:connection.thing.thingname':
        return ctx.thingName;
      case 'iot:connection.thing.thingtypename':
        return ctx.thingName === undefined ? undefined : ctx.thingTypeName;
      case 'iot:connection.thing.isattached':
        return ctx.thingName === undefined ? 'false' : 'true';
      case 'iot:certificate.subject.commonname':
        return ctx.subjectCommonName;
      default:
        return undefined;
    }
  };
}

function baseOperator(op: string): { base: ConditionOperator; ifExists: boolean } {
  const ifExists = op.endsWith('IfExists');
  return { base: (ifExists ? op.slice(0, -'IfExists'.length) : op) as ConditionOperator, ifExists };
}

const NEGATED = new Set<ConditionOperator>([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'ArnNotEquals',
  'ArnNotLike',
]);

/** One key of one operator: true if any listed value matches (negated operators: none matches). */
function evaluateCondition(
  op: ConditionOperator,
  ifExists: boolean,
  actual: string | undefined,
  values: string[],
  resolver: VariableResolver,
): boolean {
  if (op === 'Null') {
    // "true" means the key must be absent.
    return values.some((v) => (v.toLowerCase() === 'true' ? actual === undefined : actual !== undefined));
  }
  // IAM: a missing key makes the condition false, except for negated operators
  // and the ...IfExists forms, which are then true.
  if (actual === undefined) return ifExists || NEGATED.has(op);
  const matches = (v: string): boolean => {
    switch (op) {
      case 'StringEquals':
      case 'StringNotEquals':
        return substituteLiteral(v, resolver) === actual;
      case 'StringEqualsIgnoreCase':
      case 'StringNotEqualsIgnoreCase':
        return substituteLiteral(v, resolver)?.toLowerCase() === actual.toLowerCase();
      case 'Bool':
        return v.toLowerCase() === actual.toLowerCase();
      default: {
        // StringLike / ArnEquals / ArnLike (IAM ArnEquals also honours * and ?).
        const p = compilePattern(v, resolver);
        return p !== undefined && matchPattern(p, actual);
      }
    }
  };
  const any = values.some(matches);
  return NEGATED.has(op) ? !any : any;
}

function conditionsHold(st: PolicyStatement, resolver: VariableResolver): boolean {
  if (st.Condition === undefined) return true;
  for (const [op, keys] of Object.entries(st.Condition)) {
    const { base, ifExists } = baseOperator(op);
    for (const [key, values] of Object.entries(keys)) {
      if (!evaluateCondition(base, ifExists, resolver(key), values, resolver)) return false;
    }
  }
  return true;
}

interface CompiledStatement {
  deny: boolean;
  actions: CompiledPattern[];
  resources: CompiledPattern[];
}

interface ActionPlan {
  deny: CompiledPattern[];
  allow: CompiledPattern[];
}

function anyMatch(patterns: CompiledPattern[], s: string): boolean {
  for (const p of patterns) if (matchPattern(p, s)) return true;
  return false;
}

const noVariables: VariableResolver = () => undefined;
const MAX_ACTION_PLANS = 64;
const MAX_CONTEXTS = 32;

/**
 * Evaluates a principal's IoT policies (all documents attached to it).
 *
 * @example
 * const ev = PolicyEvaluator.fromJson([devicePolicyDocument()]);
 * const check = ev.forConnection({ region, accountId, clientId: 'pet-1', thingName: 'pet-1' });
 * check('iot:Publish', `arn:aws:iot:${region}:${accountId}:topic/dt/pulsepet/pet-1/telemetry`).allowed; // true
 */
export class PolicyEvaluator {
  private readonly statements: PolicyStatement[];
  private readonly contexts = new Map<string, ConnectionAuthorizer>();

  constructor(docs: PolicyDocument[]) {
    this.statements = docs.flatMap((d) => d.Statement);
  }

  /** Parses each JSON document (as stored by the registry) and builds an evaluator. */
  static fromJson(documents: readonly string[]): PolicyEvaluator {
    return new PolicyEvaluator(documents.map((d) => parsePolicyDocument(d)));
  }

  /**
   * Settles conditions and substitutes variables for one connection and returns a
   * compiled check. The broker keeps one per connection and calls it for every
   * CONNECT / PUBLISH / SUBSCRIBE / RECEIVE.
   */
  forConnection(ctx: AuthzContext): ConnectionAuthorizer {
    const resolver = contextResolver(ctx);
    const compiled: CompiledStatement[] = [];
    for (const st of this.statements) {
      if (!conditionsHold(st, resolver)) continue;
      const resources: CompiledPattern[] = [];
      for (const r of st.Resource) {
        const p = compilePattern(r, resolver);
        if (p !== undefined) resources.push(p);
      }
      if (resources.length === 0) continue;
      // Action names are case-insensitive in IAM; compare lowercase.
      const actions: CompiledPattern[] = [];
      for (const a of st.Action) {
        const p = compilePattern(a.toLowerCase(), noVariables);
        if (p !== undefined) actions.push(p);
      }
      compiled.push({ deny: st.Effect === 'Deny', actions, resources });
    }
    const plans = new Map<string, ActionPlan>();
    const planFor = (action: string): ActionPlan => {
      const lower = action.toLowerCase();
      const plan: ActionPlan = { deny: [], allow: [] };
      for (const st of compiled) {
        if (!anyMatch(st.actions, lower)) continue;
        (st.deny ? plan.deny : plan.allow).push(...st.resources);
      }
      if (plans.size >= MAX_ACTION_PLANS) plans.clear();
      plans.set(action, plan);
      return plan;
    };
    return (action, resourceArn) => {
      const plan = plans.get(action) ?? planFor(action);
      if (anyMatch(plan.deny, resourceArn)) return EXPLICIT_DENY;
      if (anyMatch(plan.allow, resourceArn)) return ALLOW;
      return IMPLICIT_DENY;
    };
  }

  /** One-off check; compiles (and caches a few) per distinct context. Prefer {@link forConnection} on hot paths. */
  authorize(action: IotAction, resourceArn: string, ctx: AuthzContext): AuthzResult {
    const key = JSON.stringify([
      ctx.clientId,
      ctx.thingName,
      ctx.subjectCommonName,
      ctx.thingTypeName,
      ctx.thingAttributes,
      ctx.certificateId,
    ]);
    let check = this.contexts.get(key);
    if (check === undefined) {
      check = this.forConnection(ctx);
      if (this.contexts.size >= MAX_CONTEXTS) this.contexts.clear();
      this.contexts.set(key, check);
    }
    return check(action, resourceArn);
  }
}
