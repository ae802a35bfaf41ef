import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import { iotResourceArn } from '../policy/resources';
import type { GatewayRequest, IamRequest } from '../ports';

const SHADOW_ACTIONS: Readonly<Record<string, string>> = {
  GET: 'iot:GetThingShadow',
  POST: 'iot:UpdateThingShadow',
  DELETE: 'iot:DeleteThingShadow',
};

/**
 * The IAM actions an `iotdata` request needs, on the resources AWS authorizes them
 * against (https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html):
 * shadow operations on `thing/{thing}` or, for a named shadow, `thing/{thing}/{shadow}`;
 * Publish on `topic/{topic}` (and `iot:RetainPublish` for a retained one).
 */
export function iotDataIamRequest(req: GatewayRequest): IamRequest[] {
  const seg = decodeSegments(req.path);
  if (!seg) return [];
  const arn = (kind: 'thing' | 'topic', name: string) => iotResourceArn({ region: req.region, accountId: LOCAL_ACCOUNT_ID }, kind, name);
  if (seg[1] === 'things' && seg[3] === 'shadow' && seg.length === 4 && seg[2]) {
    const action = SHADOW_ACTIONS[req.method];
    const name = req.query.get('name');
    return action ? [{ action, resource: arn('thing', name ? `${seg[2]}/${name}` : seg[2]) }] : [];
  }
  if (seg[1] === 'api' && seg[4] === 'ListNamedShadowsForThing' && seg[5]) {
    return [{ action: 'iot:ListNamedShadowsForThing', resource: arn('thing', seg[5]) }];
  }
  if (req.method === 'POST' && seg[1] === 'topics' && seg.length >= 3) {
    const topic = arn('topic', seg.slice(2).join('/'));
    const retained = req.query.get('retain') === 'true';
    return [{ action: 'iot:Publish', resource: topic }, ...(retained ? [{ action: 'iot:RetainPublish', resource: topic }] : [])];
  }
  return [];
}

function decodeSegments(raw: string): string[] | undefined {
  try {
    return raw.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}
