#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx pulsepet` works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that future releases will need Node 22; pulsepet
// supports Node 20, so that notice is noise on every CLI error. The SDK's own switch:
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
