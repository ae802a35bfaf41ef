#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx pulsepet` works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// The AWS SDK warns on every start that future releases will need Node 22; pulsepet
// supports Node 20, so that one warning is noise for our users.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  const name = typeof warning === 'object' && warning !== null ? warning.name : undefined;
  if (type === 'NodeVersionSupportWarning' || name === 'NodeVersionSupportWarning') return;
  emitWarning(warning, ...rest);
};

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
