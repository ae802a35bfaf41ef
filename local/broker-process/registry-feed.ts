/**
 * The stack's side of the broker process's registry replica: every durable change the
 * registry makes (reported by its `onChange` option) and every event it emits is queued
 * and sent in one `registry` message per turn of the event loop, or sooner, ahead of any
 * other message to the child, so the replica is never behind a reply that depends on it.
 */
import type { MapChange, Registry, RegistryEventMap } from '../registry/index';
import type { RegistryEventMessage, ToChild } from './messages';

const EVENTS = ['certificate-status', 'certificate-deleted', 'ca-status', 'policy-changed', 'attachments-changed'] as const satisfies readonly (keyof RegistryEventMap)[];

export class RegistryFeed {
  #changes: MapChange[] = [];
  #events: RegistryEventMessage[] = [];
  #sink: ((m: Extract<ToChild, { t: 'registry' }>) => void) | undefined;
  #scheduled = false;
  #detach: (() => void) | undefined;

  /** Hand this to `Registry.open(dir, { onChange })`. */
  readonly onChange = (c: MapChange): void => {
    if (!this.#sink) return;
    this.#changes.push(c);
    this.#schedule();
  };

  /**
   * Starts forwarding to `sink`; returns the registry's snapshot, which holds every change
   * made so far (later ones are forwarded).
   */
  attach(registry: Registry, sink: (m: Extract<ToChild, { t: 'registry' }>) => void): ReturnType<Registry['snapshot']> {
    this.#sink = sink;
    this.#changes = [];
    const offs = EVENTS.map((name) => {
      const listener = (...args: RegistryEventMap[typeof name]) => {
        this.#events.push({ name, args } as RegistryEventMessage);
        this.#schedule();
      };
      registry.on(name, listener as never);
      return () => registry.off(name, listener as never);
    });
    this.#detach = () => {
      for (const off of offs) off();
    };
    return registry.snapshot();
  }

  /** Sends what is queued now. */
  flush(): void {
    if (!this.#sink || (this.#changes.length === 0 && this.#events.length === 0)) return;
    const changes = this.#changes;
    const events = this.#events;
    this.#changes = [];
    this.#events = [];
    this.#sink({ t: 'registry', changes, events });
  }

  detach(): void {
    this.flush();
    this.#detach?.();
    this.#sink = undefined;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.flush();
    });
  }
}
