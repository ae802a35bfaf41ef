/**
 * The seven topic-rule operations of the IoT control plane (restJson1), with the
 * HTTP bindings the SDK's operation schemas carry:
 *   CreateTopicRule  POST   /rules/{ruleName}          body = TopicRulePayload
 *   ReplaceTopicRule PATCH  /rules/{ruleName}          body = TopicRulePayload
 *   GetTopicRule     GET    /rules/{ruleName}
 *   ListTopicRules   GET    /rules?topic&maxResults&nextToken&ruleDisabled
 *   DeleteTopicRule  DELETE /rules/{ruleName}
 *   EnableTopicRule  POST   /rules/{ruleName}/enable
 *   DisableTopicRule POST   /rules/{ruleName}/disable
 * https://docs.aws.amazon.com/iot/latest/apireference/API_CreateTopicRule.html (and siblings)
 */
import { awsError } from '../gateway/aws-error';
import type { RestRoute } from '../gateway/rest-router';
import type { GatewayRequest, GatewayResponse } from '../ports';
import { TOPIC_RULE_ERROR_STATUS, topicRuleError, topicRuleErrorTypeOf } from './errors';
import type { RulesRuntime, StoredRule } from './runtime';

function ok(body: object = {}): GatewayResponse {
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}

function parseBody(req: GatewayRequest): unknown {
  if (req.body.length === 0) throw topicRuleError('InvalidRequestException', 'topicRulePayload is required');
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw topicRuleError('InvalidRequestException', 'The request body is not valid JSON');
  }
}

/** restJson1 timestamps are epoch seconds. */
function seconds(ms: number): number {
  return ms / 1000;
}

function topicRuleBody(r: StoredRule): object {
  const p = r.topicRulePayload;
  return {
    ruleArn: r.ruleArn,
    rule: {
      ruleName: r.ruleName,
      sql: p.sql,
      description: p.description,
      createdAt: seconds(r.createdAt),
      actions: p.actions,
      ruleDisabled: p.ruleDisabled ?? false,
      awsIotSqlVersion: p.awsIotSqlVersion,
      errorAction: p.errorAction,
    },
  };
}

interface PageToken {
  after: string;
}

function listRules(rt: RulesRuntime, req: GatewayRequest): GatewayResponse {
  const q = req.query;
  const max = q.get('maxResults');
  const limit = max === null ? 1000 : Number(max);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) {
    throw topicRuleError('InvalidRequestException', 'maxResults must be an integer between 1 and 10000');
  }
  const disabled = q.get('ruleDisabled');
  if (disabled !== null && disabled !== 'true' && disabled !== 'false') {
    throw topicRuleError('InvalidRequestException', 'ruleDisabled must be true or false');
  }
  const topic = q.get('topic');
  let rules = rt.listRules({
    ...(topic === null ? {} : { topic }),
    ...(disabled === null ? {} : { ruleDisabled: disabled === 'true' }),
  });
  const token = q.get('nextToken');
  if (token !== null && token !== '') {
    let after: string;
    try {
      after = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageToken).after;
    } catch {
      throw topicRuleError('InvalidRequestException', 'nextToken is invalid');
    }
    if (typeof after !== 'string') throw topicRuleError('InvalidRequestException', 'nextToken is invalid');
    rules = rules.filter((r) => r.ruleName > after);
  }
  const page = rules.slice(0, limit);
  const last = page[page.length - 1];
  const body: { rules: object[]; nextToken?: string } = {
    rules: page.map((r) => ({
      ruleArn: r.ruleArn,
      ruleName: r.ruleName,
      topicPattern: rt.topicPatternOf(r.ruleName),
      createdAt: seconds(r.createdAt),
      ruleDisabled: r.topicRulePayload.ruleDisabled ?? false,
    })),
  };
  if (rules.length > limit && last !== undefined) {
    body.nextToken = Buffer.from(JSON.stringify({ after: last.ruleName } satisfies PageToken)).toString('base64url');
  }
  return ok(body);
}

/** Wraps a handler so runtime errors become AWS error responses (x-amzn-errortype + JSON message). */
function guarded(
  operation: string,
  fn: (params: Record<string, string>, req: GatewayRequest) => Promise<GatewayResponse> | GatewayResponse,
): RestRoute['handle'] {
  return async (params, req) => {
    try {
      return await fn(params, req);
    } catch (e) {
      const type = topicRuleErrorTypeOf(e);
      const message = type === 'InternalException' ? `${operation} failed unexpectedly` : (e as Error).message;
      return awsError(TOPIC_RULE_ERROR_STATUS[type], type, message);
    }
  };
}

/**
 * The topic-rule routes for the gateway's `iot` service:
 * `createIotService({ ..., extraRoutes: topicRuleRoutes(runtime) })` or
 * `iotService.addRoute(r)` for each.
 */
export function topicRuleRoutes(rt: RulesRuntime): RestRoute[] {
  const name = (p: Record<string, string>): string => p.ruleName ?? '';
  return [
    {
      method: 'POST',
      path: '/rules/{ruleName}',
      operation: 'CreateTopicRule',
      handle: guarded('CreateTopicRule', async (p, req) => {
        await rt.createRule(name(p), parseBody(req));
        return ok();
      }),
    },
    {
      method: 'PATCH',
      path: '/rules/{ruleName}',
      operation: 'ReplaceTopicRule',
      handle: guarded('ReplaceTopicRule', async (p, req) => {
        await rt.replaceRule(name(p), parseBody(req));
        return ok();
      }),
    },
    {
      method: 'GET',
      path: '/rules/{ruleName}',
      operation: 'GetTopicRule',
      handle: guarded('GetTopicRule', (p) => ok(topicRuleBody(rt.getRule(name(p))))),
    },
    { method: 'GET', path: '/rules', operation: 'ListTopicRules', handle: guarded('ListTopicRules', (_p, req) => listRules(rt, req)) },
    {
      method: 'DELETE',
      path: '/rules/{ruleName}',
      operation: 'DeleteTopicRule',
      handle: guarded('DeleteTopicRule', async (p) => {
        await rt.deleteRule(name(p));
        return ok();
      }),
    },
    {
      method: 'POST',
      path: '/rules/{ruleName}/enable',
      operation: 'EnableTopicRule',
      handle: guarded('EnableTopicRule', async (p) => {
        await rt.setRuleEnabled(name(p), true);
        return ok();
      }),
    },
    {
      method: 'POST',
      path: '/rules/{ruleName}/disable',
      operation: 'DisableTopicRule',
      handle: guarded('DisableTopicRule', async (p) => {
        await rt.setRuleEnabled(name(p), false);
        return ok();
      }),
    },
  ];
}
