import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/**
 * The pet display's build: `npm run build:display` (and `npm ci`, through `prepare`)
 * writes display/dist, which `pulsepet up` serves at /display/ beside a generated
 * config.json, and which infra uploads to S3 with its own config.json. Hashed file
 * names under assets/ let both cache them for a year.
 */

const BROWSER_EXTERNAL = '__vite-browser-external';

/**
 * Fails the build if a Node-only module reached the bundle. Vite replaces a Node
 * built-in imported from browser code with an empty stub and warns; the AWS SDK's
 * packages name Node-only credential providers the browser code never reaches (its
 * `browser` entries leave them out and they are shaken away), so the warnings are
 * noise and this check is the one that counts.
 */
function browserOnly(): Plugin {
  return {
    name: 'pulsepet-browser-only',
    generateBundle(_opts, bundle) {
      for (const out of Object.values(bundle)) {
        if (out.type !== 'chunk') continue;
        const stubbed = out.moduleIds.filter((id) => id.includes(BROWSER_EXTERNAL));
        if (stubbed.length > 0) this.error(`${out.fileName} contains Node-only modules: ${stubbed.join(', ')}`);
      }
    },
  };
}

export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
  base: '/display/',
  publicDir: false,
  plugins: [browserOnly()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      onwarn(warning, warn) {
        if (warning.message.includes('externalized for browser compatibility')) return;
        warn(warning);
      },
    },
  },
  logLevel: 'warn',
});
