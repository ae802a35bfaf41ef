/**
 * The stack's side of the broker process's registry replica: every durable change the
 * registry makes (reported by its `onChange` option) and every event it emits is queued
 * and sent in one `registry` message per turn of the event loop, or sooner, ahead of any
 * other message to the child, so the replica is never behind a reply that depends on it.
 */
import type { MapChange, Registry, RegistryEventMap } from '../registry/index';
import type { RegistryEventMessage, ToChild } from './messages';


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
    this.#detach = forwardEvents(registry, (e) => {
      this.#events.push(e);
      this.#schedule();
    });
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

/** Passes every registry event on as a message; returns the function that stops it. */
function forwardEvents(registry: Registry, push: (e: RegistryEventMessage) => void): () => void {
  const status = (...args: RegistryEventMap['certificate-status']) => push({ name: 'certificate-status', args });
  const deleted = (...args: RegistryEventMap['certificate-deleted']) => push({ name: 'certificate-deleted', args });
  const ca = (...args: RegistryEventMap['ca-status']) => push({ name: 'ca-status', args });
  const policy = (...args: RegistryEventMap['policy-changed']) => push({ name: 'policy-changed', args });
  const attachments = (...args: RegistryEventMap['attachments-changed']) => push({ name: 'attachments-changed', args });
  registry.on('certificate-status', status).on('certificate-deleted', deleted).on('ca-status', ca).on('policy-changed', policy).on('attachments-changed', attachments);
  return () => {
    registry.off('certificate-status', status).off('certificate-deleted', deleted).off('ca-status', ca).off('policy-changed', policy).off('attachments-changed', attachments);
  };
}
