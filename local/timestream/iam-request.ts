import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import type { GatewayRequest, IamRequest } from '../ports';
import { parseTimestreamSql } from './query-parser';

const TARGET_PREFIX = 'Timestream_20181101.';

/**
 * The IAM actions a Timestream request needs
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazontimestream.html):
 * `Query` is `timestream:Select` on the table its FROM names (the local subset reads one
 * table), `WriteRecords` is `timestream:WriteRecords` on its table, `DescribeEndpoints`
 * and everything else `timestream:<Operation>` on `*`. A query that does not parse is
 * checked as `Select` on `*`, which a table-scoped policy does not allow.
 */
export function timestreamIamRequest(req: GatewayRequest): IamRequest[] {
  const target = String(req.headers['x-amz-target'] ?? '');
  const op = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : target;
  const body = jsonObject(req.body);
  const table = (db: unknown, t: unknown) =>
    typeof db === 'string' && typeof t === 'string' ? `arn:aws:timestream:${req.region}:${LOCAL_ACCOUNT_ID}:database/${db}/table/${t}` : '*';
  switch (op) {
    case 'Query': {
      const from = queryTable(body.QueryString);
      return [{ action: 'timestream:Select', resource: from ? table(from.database, from.table) : '*' }];
    }
    case 'WriteRecords':
      return [{ action: 'timestream:WriteRecords', resource: table(body.DatabaseName, body.TableName) }];
    default:
      return [{ action: `timestream:${op}`, resource: '*' }];
  }
}

function queryTable(sql: unknown): { database: string; table: string } | undefined {
  if (typeof sql !== 'string') return undefined;
  try {
    return parseTimestreamSql(sql).from;
  } catch {
    return undefined;
  }
}

function jsonObject(body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
