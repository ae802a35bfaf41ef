#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx pulsepet` works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
