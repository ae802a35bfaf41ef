import type { Logger } from '../../common/logger';
import { iotArn, LOCAL_ACCOUNT_ID } from '../aws-identity';
import {
  type AuthzContext,
  type ConnectionAuthorizer,
  connectionThingName,
  type IotAction,
  type PolicyDocument,
  PolicyEvaluator,
  parsePolicyDocument,
} from '../policy/index';
import type { RegistryReader } from '../registry/index';

/** Who is on the other end of a connection. */
export type BrokerPrincipal =
  | {
      kind: 'certificate';
      certificateId: string;
      certificateArn: string;
      caCertificateId: string;
      subjectCommonName?: string;
    }
  /**
   * A SigV4-authenticated WebSocket client: an IAM principal. Without `rights` it holds
   * the stack's own key (every right); with them it is an assumed role's session (the
   * display's) and its IAM policy decides, as IoT Core evaluates the role's policy for
   * an unauthenticated Cognito identity.
   */
  | { kind: 'iam'; accessKeyId: string; rights?: PolicyEvaluator };

/** Per-connection authorization state; the compiled policy check is cached. */
export interface AuthzSubject {
  principal: BrokerPrincipal;
  clientId?: string;
  /** set once `${iot:Connection.Thing.ThingName}` is resolved */
  thingName?: string;
  /** internal: the connection's compiled check and the generation it was built in */
  check?: ConnectionAuthorizer;
  checkGeneration?: number;
  /** internal: topics (or filters) already allowed per action, valid for `checkGeneration` */
  allowedTopics?: Map<IotAction, Set<string>>;
}

/** Remembered allowed topics per action and connection; past this the set starts over. */
const MAX_REMEMBERED_TOPICS = 512;

/**
 * Authorizes MQTT operations of device connections against the IoT policies
 * attached to their certificate, as IoT Core does:
 * https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html
 * Evaluators are cached per certificate, and shared by the certificates whose attached
 * policies are the same documents (a fleet's devices share one parsed device policy);
 * compiled checks are per connection. All are dropped when the registry reports a
 * policy or attachment change.
 */
export class BrokerAuthorizer {
  private generation = 0;
  private readonly evaluators = new Map<string, PolicyEvaluator>();
  /** evaluators by their attached documents, joined with NUL (which no JSON document holds raw) */
  private readonly byDocuments = new Map<string, PolicyEvaluator>();
  private readonly log: Logger;

  constructor(
    private readonly registry: RegistryReader,
    private readonly region: string,
    logger: Logger,
  ) {
    this.log = logger;
  }

  /** Forgets every cached evaluator and check (policy or attachment changed). */
  invalidate(): void {
    this.generation++;
    this.evaluators.clear();
    this.byDocuments.clear();
  }

  clientArn(clientId: string): string {
    return iotArn(this.region, `client/${clientId}`);
  }
  topicArn(topic: string): string {
    return iotArn(this.region, `topic/${topic}`);
  }
  topicFilterArn(filter: string): string {
    return iotArn(this.region, `topicfilter/${filter}`);
  }

  /**
   * IoT Core semantics for `${iot:Connection.Thing.ThingName}`: the client id when a
   * thing of that name is attached to the certificate (or the only attached thing).
   * https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html
   */
  resolveThingName(subject: AuthzSubject): string | undefined {
    const p = subject.principal;
    if (p.kind !== 'certificate' || subject.clientId === undefined) return undefined;
    return connectionThingName(subject.clientId, this.registry.thingsForPrincipal(p.certificateArn));
  }

  /**
   * {@link allowed} for a topic (`topic/...` ARN) or, with `iot:Subscribe`, a topic
   * filter (`topicfilter/...`). The connection's compiled check is a pure function of
   * (action, resource) (conditions and variables are settled per connection), so an
   * allowed topic is remembered per action until the next policy or attachment change
   * (the generation); denials are always evaluated (and logged). Revocation closes
   * the connection, so its decisions go with it.
   */
  allowedOnTopic(subject: AuthzSubject, action: IotAction, topic: string): boolean {
    if (unrestricted(subject.principal)) return true;
    if (subject.checkGeneration === this.generation) {
      const known = subject.allowedTopics?.get(action);
      if (known?.has(topic)) return true;
    }
    const arn = action === 'iot:Subscribe' ? this.topicFilterArn(topic) : this.topicArn(topic);
    if (!this.allowed(subject, action, arn)) return false;
    // allowed() has (re)built the check for this generation; drop decisions of older ones
    subject.allowedTopics ??= new Map();
    let set = subject.allowedTopics.get(action);
    if (!set) {
      set = new Set();
      subject.allowedTopics.set(action, set);
    } else if (set.size >= MAX_REMEMBERED_TOPICS) set.clear();
    set.add(topic);
    return true;
  }

  /** True when the action on the resource is allowed (explicit Deny wins, default deny). */
  allowed(subject: AuthzSubject, action: IotAction, resourceArn: string): boolean {
    const p = subject.principal;
    if (unrestricted(p)) return true;
    if (subject.check === undefined || subject.checkGeneration !== this.generation) {
      subject.allowedTopics?.clear();
      subject.check = this.compileCheck(subject);
      subject.checkGeneration = this.generation;
    }
    const result = subject.check(action, resourceArn);
    if (!result.allowed) {
      // receive denials can repeat per message: keep them out of the default log level
      const principal = p.kind === 'certificate' ? p.certificateId : p.accessKeyId;
      this.log[action === 'iot:Receive' ? 'debug' : 'info'](
        { clientId: subject.clientId, principal, action, resource: resourceArn, decision: result.decision },
        'authorization denied',
      );
    }
    return result.allowed;
  }

  /** The connection's check: its certificate's IoT policies, or its role's IAM policy. */
  private compileCheck(subject: AuthzSubject): ConnectionAuthorizer {
    const p = subject.principal;
    const ctx: AuthzContext = { region: this.region, accountId: LOCAL_ACCOUNT_ID, clientId: subject.clientId ?? '' };
    if (p.kind === 'iam') return (p.rights as PolicyEvaluator).forConnection(ctx);
    // attachments may have changed the thing the client id names
    subject.thingName = this.resolveThingName(subject);
    ctx.certificateId = p.certificateId;
    if (p.subjectCommonName !== undefined) ctx.subjectCommonName = p.subjectCommonName;
    if (subject.thingName !== undefined) {
      ctx.thingName = subject.thingName;
      const thing = this.registry.getThing(subject.thingName);
      if (thing?.thingTypeName !== undefined) ctx.thingTypeName = thing.thingTypeName;
      if (thing) ctx.thingAttributes = thing.attributes;
    }
    return this.evaluatorFor(p.certificateArn).forConnection(ctx);
  }

  private evaluatorFor(certificateArn: string): PolicyEvaluator {
    let ev = this.evaluators.get(certificateArn);
    if (ev) return ev;
    const policies = this.registry.policiesForPrincipal(certificateArn);
    const key = policies.map((p) => p.policyDocument).join('\u0000');
    ev = this.byDocuments.get(key);
    if (!ev) {
      const docs: PolicyDocument[] = [];
      for (const policy of policies) {
        try {
          docs.push(parsePolicyDocument(policy.policyDocument));
        } catch (e) {
          // a stored document that no longer parses grants nothing
          this.log.warn({ policyName: policy.policyName, err: e }, 'attached policy document does not parse; ignored');
        }
      }
      ev = new PolicyEvaluator(docs);
      this.byDocuments.set(key, ev);
    }
    this.evaluators.set(certificateArn, ev);
    return ev;
  }
}

/** The stack's own key over WebSocket: every right, no policy evaluated. */
function unrestricted(p: BrokerPrincipal): boolean {
  return p.kind === 'iam' && p.rights === undefined;
}
