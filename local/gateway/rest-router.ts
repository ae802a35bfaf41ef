import type { GatewayRequest, GatewayResponse } from '../ports';

/**
 * One restJson1 operation: its HTTP binding (`@http(method, uri)` in the Smithy
 * model, visible in the SDK's operation schemas) and its handler. `path` labels
 * are `{name}` (one segment) or `{name+}` (greedy, the rest of the path).
 */
export interface RestRoute {
  method: string;
  path: string;
  operation: string;
  handle(params: Record<string, string>, req: GatewayRequest): Promise<GatewayResponse>;
}

interface CompiledRoute {
  route: RestRoute;
  segments: Array<{ literal: string } | { label: string; greedy: boolean }>;
}

export interface RouteMatch {
  route: RestRoute;
  params: Record<string, string>;
}

/** Matches requests to routes; labels are percent-decoded per segment. */
export class RestRouter {
  private readonly routes: CompiledRoute[] = [];

  constructor(routes: RestRoute[] = []) {
    for (const r of routes) this.add(r);
  }

  add(route: RestRoute): void {
    const segments = splitPath(route.path).map((s) => {
      const m = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(s);
      return m?.[1] ? { label: m[1], greedy: m[2] === '+' } : { literal: s };
    });
    this.routes.push({ route, segments });
  }

  /**
   * The matching route, or `methodNotAllowed` when the path exists under another
   * method (405), or undefined (404).
   */
  match(method: string, rawPath: string): RouteMatch | { methodNotAllowed: true } | undefined {
    const parts = splitPath(rawPath);
    let pathMatched = false;
    for (const c of this.routes) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      pathMatched = true;
      if (c.route.method === method) return { route: c.route, params };
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }
}

function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '');
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function matchSegments(
  segs: CompiledRoute['segments'],
  parts: string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if ('literal' in s) {
      if (parts[i] !== s.literal) return undefined;
      continue;
    }
    if (s.greedy) {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      const decoded = rest.map(decode);
      if (decoded.some((d) => d === undefined)) return undefined;
      params[s.label] = decoded.join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    const d = decode(part);
    if (d === undefined || d === '') return undefined;
    params[s.label] = d;
  }
  return parts.length === segs.length ? params : undefined;
}
