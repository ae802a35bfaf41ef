import { type DisplayConfig, DisplayConfigSchema } from '../../protocol/display-config';

/** The runtime config could not be read or is not a display config; the page says so. */
export class DisplayConfigError extends Error {
  override readonly name = 'DisplayConfigError';
}

/**
 * Reads `config.json` beside the page (served by `pulsepet up`, or written to S3 by
 * infra) and validates it; every problem is named.
 * @example const config = await loadDisplayConfig(fetch, new URL('config.json', document.baseURI));
 */
export async function loadDisplayConfig(fetchFn: typeof fetch, url: URL): Promise<DisplayConfig> {
  let res: Response;
  try {
    res = await fetchFn(url, { cache: 'no-cache' });
  } catch (e) {
    throw new DisplayConfigError(`cannot fetch ${url.pathname}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!res.ok) throw new DisplayConfigError(`cannot fetch ${url.pathname}: HTTP ${res.status}`);
  return parseDisplayConfig(await res.text());
}

export function parseDisplayConfig(text: string): DisplayConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DisplayConfigError('config.json is not JSON');
  }
  const parsed = DisplayConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DisplayConfigError(`config.json is not a display config: ${problems.join('; ')}`);
  }
  return Object.freeze(parsed.data);
}
