/**
 * The broker process's side of the registry feed: changes are applied to the replica
 * once per turn of the event loop (a rebuild costs tens of ms at 10,000 things, and a
 * bulk provisioning sends thousands of small batches), and at once when an event or any
 * other message of the stack arrives, so neither ever sees the replica behind it.
 */
import type { MapChange, RegistryEventMap, RegistryReplica } from '../registry/index';
import type { RegistryEventMessage } from './messages';

export class ReplicaFeed {
  #pending: MapChange[] = [];
  #scheduled = false;

  constructor(private readonly replica: RegistryReplica) {}

  receive(changes: readonly MapChange[], events: readonly RegistryEventMessage[]): void {
    for (const c of changes) this.#pending.push(c);
    if (events.length > 0) {
      this.applyPending();
      for (const e of events) emitForwarded(this.replica, e);
      return;
    }
    if (this.#scheduled || this.#pending.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.applyPending();
    });
  }

  applyPending(): void {
    if (this.#pending.length === 0) return;
    const changes = this.#pending;
    this.#pending = [];
    this.replica.apply(changes);
  }
}

/** Re-emits one forwarded event on the replica, its arguments typed by its name. */
function emitForwarded<K extends keyof RegistryEventMap>(replica: RegistryReplica, e: { name: K; args: RegistryEventMap[K] }): void {
  replica.emitEvent(e.name, ...e.args);
}
