/**
 * The wire side of the fleet provisioning MQTT API: request topics, payload formats
 * (JSON and CBOR, chosen by the topic's payload-format level) and the error payload.
 * https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html
 */
import { decode as cborDecode, encode as cborEncode } from 'cborg';

export type PayloadFormat = 'json' | 'cbor';
export type ProvisioningApi = 'CreateKeysAndCertificate' | 'CreateCertificateFromCsr' | 'RegisterThing';

/** The MQTT filters the service observes (requests only: replies have one more level). */
export const REQUEST_FILTERS = ['$aws/certificates/create/+', '$aws/certificates/create-from-csr/+', '$aws/provisioning-templates/+/provision/+'] as const;

export interface ProvisioningRequestTopic {
  api: ProvisioningApi;
  /** the payload-format level as given (the request is answered only for json / cbor) */
  format: string;
  templateName?: string;
}

/** Parses a request topic; undefined for anything else (replies, other `$aws` topics). */
export function parseRequestTopic(topic: string): ProvisioningRequestTopic | undefined {
  const l = topic.split('/');
  if (l[0] !== '$aws') return undefined;
  if (l.length === 4 && l[1] === 'certificates' && l[2] === 'create') return { api: 'CreateKeysAndCertificate', format: l[3]! };
  if (l.length === 4 && l[1] === 'certificates' && l[2] === 'create-from-csr') return { api: 'CreateCertificateFromCsr', format: l[3]! };
  if (l.length === 5 && l[1] === 'provisioning-templates' && l[3] === 'provision') {
    return { api: 'RegisterThing', format: l[4]!, templateName: l[2]! };
  }
  return undefined;
}

export function isPayloadFormat(f: string): f is PayloadFormat {
  return f === 'json' || f === 'cbor';
}

/** The error payload of every `/rejected` topic. */
export interface RejectedPayload {
  statusCode: number;
  errorCode: string;
  errorMessage: string;
}

/** A request refused with AWS's `{statusCode, errorCode, errorMessage}`. */
export class ProvisioningRejection extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProvisioningRejection';
  }

  get payload(): RejectedPayload {
    return { statusCode: this.statusCode, errorCode: this.errorCode, errorMessage: this.message };
  }
}

/**
 * CBOR decoding: the self-described CBOR tag (55799, RFC 8949 section 3.4.6), which some
 * encoders put in front of every item, means nothing more than "this is CBOR".
 */
const CBOR_DECODE_OPTIONS = { tags: { 55799: (decode: () => unknown) => decode() } };

/** Decodes a request payload; an empty payload is `{}` (CreateKeysAndCertificate sends none). */
export function decodePayload(format: PayloadFormat, payload: Buffer): unknown {
  if (payload.length === 0) return {};
  try {
    if (format === 'json') return JSON.parse(payload.toString('utf8'));
    return cborDecode(payload, CBOR_DECODE_OPTIONS);
  } catch (e) {
    throw new ProvisioningRejection(400, 'InvalidPayload', `The payload is not valid ${format.toUpperCase()}: ${(e as Error).message}`);
  }
}

export function encodePayload(format: PayloadFormat, body: object): Buffer {
  return format === 'json' ? Buffer.from(JSON.stringify(body), 'utf8') : Buffer.from(cborEncode(body));
}
