import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import type { GatewayResponse } from '../ports';
import type { RequestTarget } from './http-io';
import { CONTENT_TYPES } from '../../common/content-types';

/**
 * Static web sites on the gateway's port (the pet display), beside the AWS APIs:
 * unsigned GET/HEAD under a prefix no AWS API uses, files from one folder, and files
 * generated per request (a runtime config). Paths are decoded once and must stay inside
 * the folder (no `..`, no encoded separators, no NUL). Files under `immutableDir` carry
 * content hashes in their names (a bundler's output) and are cached for a year; the
 * rest are revalidated by ETag on every load.
 */

/** What a generated file may know about the request: the host and the scheme the browser used. */
export interface StaticRequest {
  /** the `Host` header when it is a plain `host[:port]`, else undefined */
  host: string | undefined;
  /** true when the request came over TLS (the gateway's HTTPS listener) */
  secure: boolean;
}

/** The parts of a request a site reads; `socket.encrypted` tells a TLS connection. */
type SiteRequest = Pick<IncomingMessage, 'method' | 'headers'> & { socket?: object | null };

export interface GeneratedFile {
  body: string | Buffer;
  contentType: string;
}

export interface StaticSiteOptions {
  /** files answered by a function instead of the folder, by path relative to the prefix (`config.json`) */
  generated?: Readonly<Record<string, (req: StaticRequest) => GeneratedFile>>;
  /** a folder (relative to the site) whose files never change under the same name */
  immutableDir?: string;
  /** `GET /` answers 302 to this site (the first site that asks keeps it) */
  redirectRoot?: boolean;
}

const HOST_RE = /^(?:[a-zA-Z0-9.-]+|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?$/;
const YEAR_S = 365 * 24 * 3600;

interface Site {
  prefix: string;
  dir: string;
  opts: StaticSiteOptions;
}

/** The sites of one gateway; {@link StaticSites.serve} answers a request that is theirs, or undefined. */
export class StaticSites {
  private readonly sites: Site[] = [];
  private rootTarget: string | undefined;

  /**
   * Serves `dir` under `prefix` (`/display/`; it must start and end with `/`).
   * @example sites.add('/display/', 'display/dist', { generated: { 'config.json': () => ({ body: '{}', contentType: 'application/json' }) } });
   */
  add(prefix: string, dir: string, opts: StaticSiteOptions = {}): void {
    if (!/^\/[a-z0-9-]+\/$/.test(prefix)) throw new RangeError(`a static site prefix is one lowercase path segment like /display/, got ${JSON.stringify(prefix)}`);
    if (this.sites.some((s) => s.prefix === prefix)) throw new RangeError(`a static site is already served at ${prefix}`);
    this.sites.push({ prefix, dir: resolve(dir), opts });
    if (opts.redirectRoot && this.rootTarget === undefined) this.rootTarget = prefix;
  }

  /** The answer for a request to one of the sites; undefined when the request is not theirs (an AWS API call). */
  async serve(req: SiteRequest, target: RequestTarget): Promise<GatewayResponse | undefined> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
    const path = target.rawPath;
    // `/` is a site only for a browser: a signed call (header or presigned query) goes on to its service
    if (path === '/' && this.rootTarget !== undefined && !isSigned(req, target)) return redirect(this.rootTarget);
    for (const site of this.sites) {
      if (path === site.prefix.slice(0, -1)) return redirect(site.prefix);
      if (path.startsWith(site.prefix)) return await serveFile(site, path.slice(site.prefix.length), req);
    }
    return undefined;
  }
}

function isSigned(req: Pick<IncomingMessage, 'headers'>, target: RequestTarget): boolean {
  return req.headers.authorization !== undefined || /(?:^|&)X-Amz-Signature=/i.test(target.rawQuery);
}

function redirect(location: string): GatewayResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-cache' } };
}

function notFound(): GatewayResponse {
  return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }, body: 'Not found\n' };
}

/** The site-relative file name of a raw path, or undefined when it is not a plain name inside the site. */
export function siteRelativePath(rawRest: string): string | undefined {
  let rest: string;
  try {
    rest = decodeURIComponent(rawRest);
  } catch {
    return undefined;
  }
  if (rest === '') return 'index.html';
  if (rest.includes('\0') || rest.includes('\\') || rest.startsWith('/')) return undefined;
  const segments = rest.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return undefined;
  return segments.join('/');
}

async function serveFile(site: Site, rawRest: string, req: SiteRequest): Promise<GatewayResponse> {
  const name = siteRelativePath(rawRest);
  if (name === undefined) return notFound();
  const generate = site.opts.generated?.[name];
  if (generate) {
    const host = String(req.headers.host ?? '');
    const secure = req.socket != null && 'encrypted' in req.socket && req.socket.encrypted === true;
    const file = generate({ host: HOST_RE.test(host) ? host : undefined, secure });
    return { status: 200, headers: { 'content-type': file.contentType, 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }, body: file.body };
  }
  const path = resolve(site.dir, name);
  if (!path.startsWith(site.dir + sep)) return notFound();
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) return notFound();
  const etag = `"${createHash('sha1').update(`${info.size}:${info.mtimeMs}:${name}`).digest('base64url')}"`;
  const immutable = site.opts.immutableDir !== undefined && name.startsWith(`${site.opts.immutableDir}/`);
  const headers: Record<string, string> = {
    'cache-control': immutable ? `public, max-age=${YEAR_S}, immutable` : 'no-cache',
    etag,
    'x-content-type-options': 'nosniff',
  };
  if (req.headers['if-none-match'] === etag) return { status: 304, headers };
  headers['content-type'] = CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
  return { status: 200, headers, body: await readFile(path) };
}
