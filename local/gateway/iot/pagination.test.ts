import { describe, expect, it } from 'vitest';
import { gatewayRequest, iotErrorThrownBy as errorTypeOf } from '../../../test/support/local/gateway';
import { inRequestedOrder, MARKER_PAGING, pageBody, paginate, readPaging, TOKEN_PAGING } from './pagination';

const letters = ['a', 'b', 'c', 'd', 'e'];
const id = (s: string) => s;

describe('Function: paginate', () => {
  it('walks every item exactly once, page by page, and gives no token on the last page', () => {
    const seen: string[] = [];
    let token: string | null = null;
    for (let i = 0; i < 10; i++) {
      const { page, next }: { page: string[]; next?: string } = paginate(letters, id, token, 2);
      seen.push(...page);
      if (next === undefined) break;
      token = next;
    }
    expect(seen).toEqual(letters);
    expect(paginate(letters, id, null, 5).next).toBeUndefined();
  });

  it('continues after the last key returned even when an earlier item was deleted meanwhile', () => {
    const first = paginate(letters, id, null, 2);
    const rest = paginate(['b', 'c', 'd', 'e'], id, first.next ?? null, 2);
    expect(rest.page).toEqual(['c', 'd']);
  });

  it('continues at the remembered index when the last key itself was deleted', () => {
    const first = paginate(letters, id, null, 2);
    expect(paginate(['a', 'c', 'd', 'e'], id, first.next ?? null, 2).page).toEqual(['c', 'd']);
  });

  it('treats an empty token as the first page and rejects a forged one with InvalidRequestException', () => {
    expect(paginate(letters, id, '', 2).page).toEqual(['a', 'b']);
    expect(errorTypeOf(() => paginate(letters, id, 'not-a-token', 2))).toBe('InvalidRequestException');
  });
});

describe('Function: readPaging', () => {
  it('reads pageSize and marker in the marker dialect, maxResults and nextToken in the token dialect', () => {
    const req = gatewayRequest({ query: { pageSize: '3', marker: 'm', maxResults: '7', nextToken: 'n' } });
    expect(readPaging(req, MARKER_PAGING, 25)).toMatchObject({ limit: 3, token: 'm' });
    expect(readPaging(req, TOKEN_PAGING, 25)).toMatchObject({ limit: 7, token: 'n' });
    expect(readPaging(gatewayRequest(), TOKEN_PAGING, 50)).toMatchObject({ limit: 50, token: null });
  });

  it('rejects a page size outside 1..250 with InvalidRequestException', () => {
    for (const size of ['0', '251', '2.5', 'x']) {
      expect(errorTypeOf(() => readPaging(gatewayRequest({ query: { maxResults: size } }), TOKEN_PAGING, 50))).toBe(
        'InvalidRequestException',
      );
    }
  });
});

describe('Function: pageBody', () => {
  it('names the list and the token field after the dialect, and leaves the token out on the last page', () => {
    const first = pageBody(readPaging(gatewayRequest({ query: { pageSize: '2' } }), MARKER_PAGING, 25), 'names', letters, id);
    expect(first.names).toEqual(['a', 'b']);
    expect(typeof first.nextMarker).toBe('string');
    const all = pageBody(readPaging(gatewayRequest(), TOKEN_PAGING, 25), 'names', letters, id, (s) => s.toUpperCase());
    expect(all).toEqual({ names: ['A', 'B', 'C', 'D', 'E'], nextToken: undefined });
  });
});

describe('Function: inRequestedOrder', () => {
  it('keeps or reverses the order by isAscendingOrder, else by the operation default, without touching the input', () => {
    const items = ['a', 'b', 'c'];
    expect(inRequestedOrder(gatewayRequest(), items, true)).toEqual(['a', 'b', 'c']);
    expect(inRequestedOrder(gatewayRequest(), items, false)).toEqual(['c', 'b', 'a']);
    expect(inRequestedOrder(gatewayRequest({ query: { isAscendingOrder: 'true' } }), items, false)).toEqual(['a', 'b', 'c']);
    expect(inRequestedOrder(gatewayRequest({ query: { isAscendingOrder: 'false' } }), items, true)).toEqual(['c', 'b', 'a']);
    expect(items).toEqual(['a', 'b', 'c']);
  });
});
