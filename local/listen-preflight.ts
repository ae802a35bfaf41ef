/**
 * Checks, before the data dir is opened, that the fixed ports the stack will listen
 * on are free: the usual start-up failure (another stack on 8080) is then refused
 * before any store is touched. listen(2) itself is still checked where it happens
 * (stack-services.ts): a port can be taken between this probe and the real listen.
 */
import { createServer } from 'node:net';
import { listenFailure, type PortSpec } from '../common/startup-errors';

/** Listens on each non-zero port of `specs` and closes again; throws a `PortUnavailableError` for the first that fails. */
export async function assertPortsFree(specs: readonly PortSpec[]): Promise<void> {
  for (const spec of specs) if (spec.port !== 0) await probe(spec);
}

function probe(spec: PortSpec): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (e) => reject(listenFailure(e, spec) ?? e));
    server.listen({ port: spec.port, host: spec.host }, () => server.close(() => resolve()));
  });
}
