import { z } from 'zod';
import type { GatewayRequest } from '../../ports';
import { iotError } from '../../registry/errors';
import { boolQuery, intQuery } from './request-input';

/**
 * The two paging dialects of the IoT API: older operations (ListCertificates,
 * ListPolicies, ListTargetsForPolicy…) take `pageSize` + `marker` and answer
 * `nextMarker`; newer ones (ListThings, ListThingPrincipals…) take `maxResults` +
 * `nextToken` and answer `nextToken`. Both allow at most 250 items a page.
 */
export interface PagingStyle {
  sizeParam: 'pageSize' | 'maxResults';
  tokenParam: 'marker' | 'nextToken';
  nextField: 'nextMarker' | 'nextToken';
}

export const MARKER_PAGING: PagingStyle = { sizeParam: 'pageSize', tokenParam: 'marker', nextField: 'nextMarker' };
export const TOKEN_PAGING: PagingStyle = { sizeParam: 'maxResults', tokenParam: 'nextToken', nextField: 'nextToken' };

const MAX_PAGE_SIZE = 250;

/** A validated page request: how many items and where to start. */
export interface PageRequest {
  style: PagingStyle;
  limit: number;
  token: string | null;
}

/**
 * Reads the page size (1..250, else InvalidRequestException) and the token of one
 * request. Call it before reading other query parameters: the size is checked first.
 */
export function readPaging(req: GatewayRequest, style: PagingStyle, defaultSize: number): PageRequest {
  const limit = intQuery(req, style.sizeParam, 1, MAX_PAGE_SIZE) ?? defaultSize;
  return { style, limit, token: req.query.get(style.tokenParam) };
}

/**
 * One page as the response body: `{ [listField]: items, [nextMarker|nextToken]: token }`
 * (the token field is left out on the last page).
 *
 * @example
 * ok(pageBody(readPaging(req, TOKEN_PAGING, 25), 'principals', principals, (p) => p))
 */
export function pageBody<T>(
  paging: PageRequest,
  listField: string,
  items: T[],
  keyOf: (t: T) => string,
  view: (t: T) => unknown = (t) => t,
): Record<string, unknown> {
  const { page, next } = paginate(items, keyOf, paging.token, paging.limit);
  return { [listField]: page.map(view), [paging.style.nextField]: next };
}

/**
 * `items` (held oldest or alphabetically first) in the order `isAscendingOrder`
 * asks for; `ascendingByDefault` is the operation's documented default.
 */
export function inRequestedOrder<T>(req: GatewayRequest, items: T[], ascendingByDefault: boolean): T[] {
  const ascending = boolQuery(req, 'isAscendingOrder') ?? ascendingByDefault;
  return ascending ? items : [...items].reverse();
}

const tokenSchema = z.object({ k: z.string(), i: z.number().int().nonnegative() });

/**
 * Pages through `items` (already in response order). The opaque token remembers the
 * last key returned and its index, so deletions between pages do not repeat items.
 */
export function paginate<T>(
  items: T[],
  keyOf: (t: T) => string,
  token: string | null,
  limit: number,
): { page: T[]; next?: string } {
  const start = token !== null && token !== '' ? startAfter(items, keyOf, token) : 0;
  const page = items.slice(start, start + limit);
  const end = start + page.length;
  const last = page[page.length - 1];
  if (end >= items.length || last === undefined) return { page };
  return { page, next: Buffer.from(JSON.stringify({ k: keyOf(last), i: end - 1 })).toString('base64url') };
}

/** Where the page after `token` starts: after its key, or at its index when the key is gone. */
function startAfter<T>(items: T[], keyOf: (t: T) => string, token: string): number {
  let parsed: z.infer<typeof tokenSchema>;
  try {
    parsed = tokenSchema.parse(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
  } catch {
    throw iotError('InvalidRequestException', 'The pagination token is invalid');
  }
  const at = items.findIndex((t) => keyOf(t) === parsed.k);
  return at >= 0 ? at + 1 : Math.min(parsed.i, items.length);
}
