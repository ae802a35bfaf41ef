import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/logger';
import { DISPLAY_PATH, type DisplayConfig } from '../protocol/display-config';
import { TIMESTREAM } from '../protocol/resources';

/** Where `npm run build:display` (and `npm ci`) writes the display. */
export const DISPLAY_DIST = fileURLToPath(new URL('../display/dist/', import.meta.url));

/** What the local stack tells the display: its region, the identity pool and the gateway's URLs. */
export interface LocalDisplayTarget {
  region: string;
  identityPoolId: string;
  /** `http://host:port` of the gateway */
  httpEndpoint: string;
  /** `https://host:port` of the gateway's HTTPS listener, when it has one */
  httpsEndpoint?: string | undefined;
}

/**
 * The display's runtime config on the local stack: every endpoint is the port the page
 * was loaded from, on the host the browser used (so a page opened as `localhost`,
 * `127.0.0.1` or the machine's name signs for the host it connects to), and with its
 * scheme: a page loaded over HTTPS (`secure`) gets `https://` endpoints and
 * `wss://…/mqtt`, as on AWS; one loaded over HTTP gets `http://` and `ws://`.
 */
export function localDisplayConfig(target: LocalDisplayTarget, requestHost: string | undefined, secure = false): DisplayConfig {
  const http = new URL(secure ? (target.httpsEndpoint ?? target.httpEndpoint) : target.httpEndpoint);
  if (secure) http.protocol = 'https:';
  if (requestHost !== undefined) http.host = requestHost;
  const base = http.origin;
  const ws = `${http.protocol === 'https:' ? 'wss:' : 'ws:'}//${http.host}/mqtt`;
  return {
    region: target.region,
    identityPoolId: target.identityPoolId,
    database: TIMESTREAM.database,
    endpoints: { mqtt: ws, iotData: base, timestreamQuery: base, cognitoIdentity: base },
  };
}

/** The part of the gateway the display needs. */
export interface StaticSiteHost {
  addStaticSite(
    prefix: string,
    dir: string,
    opts: { redirectRoot: boolean; immutableDir: string; generated: Record<string, (req: { host: string | undefined; secure: boolean }) => { body: string; contentType: string }> },
  ): void;
}

/**
 * Serves the built display at /display/ on the gateway (/ redirects there) with its
 * config.json, over HTTP and (when the gateway has it) HTTPS. A checkout whose display
 * is not built still starts; one log line says how to build it.
 */
export function serveDisplay(gateway: StaticSiteHost, target: LocalDisplayTarget, logger: Logger, dir = DISPLAY_DIST): void {
  gateway.addStaticSite(DISPLAY_PATH, dir, {
    redirectRoot: true,
    immutableDir: 'assets',
    generated: { 'config.json': (req) => ({ body: JSON.stringify(localDisplayConfig(target, req.host, req.secure)), contentType: 'application/json' }) },
  });
  const url = `${target.httpEndpoint}${DISPLAY_PATH}`;
  const https = target.httpsEndpoint ? { httpsUrl: `${target.httpsEndpoint}${DISPLAY_PATH}` } : {};
  if (existsSync(join(dir, 'index.html'))) logger.info({ component: 'display', url, ...https }, 'pet display served');
  else logger.warn({ component: 'display', dir }, 'the pet display is not built: run `npm run build:display`, then reload /display/');
}
