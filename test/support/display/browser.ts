/**
 * Test support for the display's browser tests and benchmark: builds the display with
 * its own Vite config into a folder of the caller's, and launches Debian's Chromium
 * through playwright-core. A missing Chromium is an error naming the install command,
 * never a skip (CI installs it in .ci/run). Not product code.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** Debian's chromium package; `PULSEPET_CHROMIUM` names another binary. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const path = env.PULSEPET_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium not found at ${path}: the display's browser tests need it. Install it with \`sudo apt-get install -y chromium\` (.ci/run does), or set PULSEPET_CHROMIUM to a Chromium binary.`);
  }
  return path;
}

/**
 * The base64 SHA-256 of a certificate's SubjectPublicKeyInfo: what Chromium's
 * `--ignore-certificate-errors-spki-list` pins.
 */
export function spkiSha256(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * Headless Chromium with the flags a CI container needs (no sandbox, no GPU, no background
 * traffic). `trustCertificates` (PEM) are accepted for TLS by their key alone
 * (`--ignore-certificate-errors-spki-list`, as a browser that imported the local CA would):
 * only servers presenting one of those keys; any other certificate error still fails.
 */
export function launchChromium(opts: { trustCertificates?: readonly string[] } = {}): Promise<Browser> {
  const pins = (opts.trustCertificates ?? []).map(spkiSha256);
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...(pins.length > 0 ? [`--ignore-certificate-errors-spki-list=${pins.join(',')}`] : []),
    ],
  });
}

/**
 * Builds the display (display/vite.config.ts) into `outDir`, so a test serves the
 * sources as they are now rather than whatever display/dist holds.
 */
export async function buildDisplay(outDir: string): Promise<string> {
  const { build } = await import('vite');
  await build({ configFile: join(REPO, 'display', 'vite.config.ts'), logLevel: 'error', build: { outDir, emptyOutDir: true, sourcemap: false } });
  return outDir;
}

/** Where tests keep screenshots (gitignored `test-artifacts/`, uploaded by CI). */
export function artifactsDir(...parts: string[]): string {
  const dir = join(REPO, 'test-artifacts', ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
