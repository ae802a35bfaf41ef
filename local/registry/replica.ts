import { EventEmitter } from 'node:events';
import type { Logger } from '../../common/logger';
import { Registry, type RegistryEventMap } from './registry';
import { type MapChange, type MemoryStorage, memoryStorage, type RegistrySnapshot } from './storage';
import type { CaCertificateRecord, CertificateRecord, PolicyRecord, ThingRecord } from './types';

/**
 * What the broker reads from the registry: the same calls whether it holds the
 * {@link Registry} itself or a {@link RegistryReplica} of it in another process.
 * (`on`/`off` come from the emitter so that their `this` return type fits both.)
 */
export type RegistryReader = Pick<
  Registry,
  'getThing' | 'thingsForPrincipal' | 'policiesForPrincipal' | 'getCertificate' | 'getCaCertificate'
> &
  Pick<EventEmitter<RegistryEventMap>, 'on' | 'off'>;

export interface RegistryReplicaOptions {
  region: string;
  accountId?: string;
  logger: Logger;
}

/**
 * A read-only, synchronously readable copy of a {@link Registry}, kept up to date
 * from the changes the main registry reports (`RegistryOptions.onChange`). It holds
 * the registry's maps in memory and a `Registry` built over them, so every read is
 * answered by the registry's own code. The main process forwards the registry's
 * events too ({@link RegistryReplica.emitEvent}); applying changes emits nothing.
 *
 * @example
 * // main process
 * const registry = Registry.open(dir, { region, logger, onChange: (c) => queue.push(c) });
 * child.send({ snapshot: registry.snapshot() }); // then batches of `queue`
 * // child process
 * const replica = new RegistryReplica(msg.snapshot, { region, logger });
 * replica.apply(batch);
 */
export class RegistryReplica extends EventEmitter<RegistryEventMap> {
  readonly region: string;
  readonly accountId: string;
  private readonly storage: MemoryStorage;
  private readonly opts: RegistryReplicaOptions;
  private inner: Registry;

  constructor(snapshot: RegistrySnapshot, opts: RegistryReplicaOptions) {
    super();
    this.opts = { ...opts, logger: opts.logger.child({ component: 'registry-replica' }) };
    this.storage = memoryStorage(snapshot);
    this.inner = this.build();
    this.region = this.inner.region;
    this.accountId = this.inner.accountId;
  }

  /**
   * Applies changes in the order the main registry made them, then rebuilds the
   * inner registry once, which derives its indexes (attachments, principal types)
   * from the maps afresh. Pass a whole batch at once: the rebuild is the cost.
   */
  apply(changes: readonly MapChange[]): void {
    if (changes.length === 0) return;
    this.storage.apply(changes);
    this.inner = this.build();
  }

  /** Re-emits an event the main registry emitted, to this replica's listeners. */
  emitEvent<K extends keyof RegistryEventMap>(name: K, ...args: RegistryEventMap[K]): boolean {
    // node's typed emit cannot relate a generic K to its argument tuple (a conditional type).
    const emit = this.emit as (n: K, ...a: RegistryEventMap[K]) => boolean;
    return emit.call(this, name, ...args);
  }

  getThing(thingName: string): ThingRecord | undefined {
    return this.inner.getThing(thingName);
  }

  thingsForPrincipal(principalArn: string): string[] {
    return this.inner.thingsForPrincipal(principalArn);
  }

  policiesForPrincipal(principalArn: string): PolicyRecord[] {
    return this.inner.policiesForPrincipal(principalArn);
  }

  getCertificate(certificateId: string): CertificateRecord | undefined {
    return this.inner.getCertificate(certificateId);
  }

  getCaCertificate(certificateId: string): CaCertificateRecord | undefined {
    return this.inner.getCaCertificate(certificateId);
  }

  private build(): Registry {
    // No onChange and no listeners on the inner registry: it never reports or emits anything.
    return Registry.overStorage(this.storage, this.opts);
  }
}
