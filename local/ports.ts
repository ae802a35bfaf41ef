import type { IncomingHttpHeaders } from 'node:http';
import type { PolicyEvaluator } from './policy/evaluator';

/**
 * A service served by the local HTTP gateway, selected by the SigV4 credential
 * scope's service name (`iot`, `iotdata`, `timestream`, `bedrock`, `sagemaker`).
 * The gateway has already verified the signature when `handle` runs.
 */
export interface GatewayService {
  /** SigV4 signing names this service answers (e.g. ['iot'] or ['iotdata']). */
  readonly signingNames: readonly string[];
  handle(req: GatewayRequest): Promise<GatewayResponse>;
  /**
   * `X-Amz-Target` values of operations AWS serves without a signature (Smithy
   * `smithy.api#noAuth`, e.g. Cognito's `GetId`): such a request is admitted unsigned.
   */
  readonly unsignedTargets?: readonly string[];
  /**
   * The IAM actions and resources a request needs, as AWS authorizes them. Asked only
   * for callers with limited rights (temporary credentials of an assumed role); a
   * service without it is closed to them.
   */
  iamRequest?(req: GatewayRequest): readonly IamRequest[];
  /** The error type AWS answers an IAM denial with on this service; `AccessDeniedException` by default. */
  readonly accessDeniedType?: string;
  /**
   * The gateway's own refusal of a request addressed to this service (signature, session
   * token, body size, IAM denial), in this service's error shape; without it, AWS's JSON
   * shape (`x-amzn-errortype` + `message`). S3 answers in XML.
   */
  shapeRefusal?(refusal: GatewayRefusal): GatewayResponse;
  /**
   * Whether a request carrying no signature at all is addressed to this service, so its
   * refusal takes this service's shape (S3: a path-style request for one of its buckets).
   */
  claimsUnsigned?(method: string, rawPath: string): boolean;
}

/** A refusal the gateway made before (or instead of) handing a request to its service. */
export interface GatewayRefusal {
  status: number;
  /** the exception type the gateway's JSON shape would name (e.g. `InvalidSignatureException`) */
  errorType: string;
  message: string;
  method: string;
  /** the request path as sent (percent-encoded) */
  rawPath: string;
  requestId: string;
  /** signed in the query string (a presigned URL) rather than in the `Authorization` header */
  presigned: boolean;
  /** signed with Signature Version 2 (`Authorization: AWS …` or `AWSAccessKeyId`/`Signature` in the query), which the gateway does not verify */
  sigV2?: boolean;
}

/** One action on one resource, as an IAM policy names them (`iot:GetThingShadow` on `arn:aws:iot:…:thing/pet-1/pet`). */
export interface IamRequest {
  action: string;
  resource: string;
}

/**
 * Temporary credentials of an assumed role (what STS, here Cognito, hands out): the
 * key, its session token, when they expire, and the role's rights.
 */
export interface RoleSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** epoch ms */
  expiresAt: number;
  /** the caller as AWS names it: `arn:aws:sts::{account}:assumed-role/{role}/{session}` */
  arn: string;
  /** the role's IAM policy */
  rights: PolicyEvaluator;
}

/** Where the gateway and the broker look temporary credentials up by access key id. */
export interface RoleSessions {
  /** the session of an access key (also once expired, for a while, so it can be told apart from an unknown one) */
  find(accessKeyId: string): RoleSession | undefined;
}

export interface GatewayRequest {
  method: string;
  /** path without the query string, percent-decoded per segment by the service */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** the SigV4 signing name in the credential scope */
  service: string;
  region: string;
  /** the caller's access key id; '' for an unsigned operation */
  accessKeyId: string;
  requestId: string;
}

export interface GatewayResponse {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string | object;
}

/** What a publishing principal is, as rules (`clientid()`, `principal()`) and shadows need it. */
export interface PublishOrigin {
  /** MQTT client id; undefined for cloud principals (HTTP Publish, rules, shadow service) */
  clientId?: string;
  /** certificate id for device connections; access key id for HTTP principals */
  principal?: string;
  thingName?: string;
  /**
   * the publishing connection (its lifecycle `sessionIdentifier`); a reply addressed
   * to it with `publish(…, { to })` reaches that connection only
   */
  sessionId?: string;
}

export type InternalPublishHandler = (msg: {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
  origin: PublishOrigin;
}) => void | Promise<void>;

/**
 * The broker's in-process face for cloud-side components (shadow service, rules
 * runtime, iotdata Publish). Like IoT Core's internal services these bypass device
 * policies; devices still only see what their policies allow them to receive.
 */
export interface BrokerBus {
  /**
   * Publish as the cloud (not subject to device policy). Resolves once routed. With
   * `to` (an origin's `sessionId`) the message reaches that connection only, if it
   * subscribes to the topic and may receive it: IoT Core answers the fleet provisioning
   * API to the requesting connection alone.
   */
  publish(topic: string, payload: Buffer | string, options?: { qos?: 0 | 1; retain?: boolean; to?: string }): Promise<void>;
  /**
   * Observe messages published by devices or the cloud on topics matching the MQTT
   * filter (`+`/`#`). Returns an unsubscribe function.
   *
   * With `beforeAck`, the broker waits for the handler's promise before it acknowledges
   * a device's publish (PUBACK) or resolves a cloud publish: what the handler made
   * durable is then covered by the acknowledgement (the rules runtime hands messages
   * to Lambda's queue this way). Such handlers must not reject.
   */
  onPublish(filter: string, handler: InternalPublishHandler, options?: { beforeAck?: boolean }): () => void;
}
