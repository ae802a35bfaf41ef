// Entry of a local Lambda execution environment (a worker thread). Function code is
// TypeScript run without a build step, so the worker registers tsx before loading it;
// the parent thread's loader hooks do not reach a worker on Node 20.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
