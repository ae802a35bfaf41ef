import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/logger';
import { DISPLAY_PATH, type DisplayConfig } from '../protocol/display-config';
import { TIMESTREAM } from '../protocol/resources';

/** Where `npm run build:display` (and `npm ci`) writes the display. */
export const DISPLAY_DIST = fileURLToPath(new URL('../display/dist/', import.meta.url));

/** What the local stack tells the display: its region, the identity pool and the HTTP port's URL. */
export interface LocalDisplayTarget {
  region: string;
  identityPoolId: string;
  /** `http://host:port` of the gateway */
  httpEndpoint: string;
}

/**
 * The display's runtime config on the local stack: every endpoint is the gateway's
 * port, on the host the browser used to load the page (so a page opened as
 * `localhost`, `127.0.0.1` or the machine's name signs for the host it connects to).
 */
export function localDisplayConfig(target: LocalDisplayTarget, requestHost: string | undefined): DisplayConfig {
  const http = new URL(target.httpEndpoint);
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
    opts: { redirectRoot: boolean; immutableDir: string; generated: Record<string, (req: { host: string | undefined }) => { body: string; contentType: string }> },
  ): void;
}

/**
 * Serves the built display at /display/ on the gateway (/ redirects there) with its
 * config.json. A checkout whose display is not built still starts; one log line says
 * how to build it.
 */
export function serveDisplay(gateway: StaticSiteHost, target: LocalDisplayTarget, logger: Logger, dir = DISPLAY_DIST): void {
  gateway.addStaticSite(DISPLAY_PATH, dir, {
    redirectRoot: true,
    immutableDir: 'assets',
    generated: { 'config.json': (req) => ({ body: JSON.stringify(localDisplayConfig(target, req.host)), contentType: 'application/json' }) },
  });
  const url = `${target.httpEndpoint}${DISPLAY_PATH}`;
  if (existsSync(join(dir, 'index.html'))) logger.info({ component: 'display', url }, 'pet display served');
  else logger.warn({ component: 'display', dir }, 'the pet display is not built: run `npm run build:display`, then reload /display/');
}
