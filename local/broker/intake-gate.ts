import type { Duplex } from 'node:stream';

/**
 * Holds authenticated connections until the cloud side behind the broker is wired (rules,
 * shadows, provisioning). A device that reconnects the moment a restarted stack listens
 * would otherwise publish, be acknowledged, and find no rule subscribed: acknowledged
 * telemetry lost. Held connections read nothing, so their CONNECT and PUBLISH packets wait
 * in the socket and are handled, in order, once the gate opens.
 */
export class IntakeGate {
  private held: Array<{ socket: Duplex; admit: () => void; onError: () => void }> | undefined;
  private closed = false;

  constructor(open: boolean) {
    if (!open) this.held = [];
  }

  get isOpen(): boolean {
    return this.held === undefined;
  }

  /** Runs `admit` now when open, else once the gate opens (unless the socket closed meanwhile). */
  pass(socket: Duplex, admit: () => void): void {
    if (this.closed) {
      // a handshake that finished after close(): nobody will ever open the gate for it
      socket.destroy();
      return;
    }
    if (this.held === undefined) {
      admit();
      return;
    }
    // a reset while held must not become an unhandled 'error'
    const onError = () => socket.destroy();
    socket.on('error', onError);
    this.held.push({ socket, admit, onError });
  }

  /** Admits everything held, in arrival order; later connections pass straight through. */
  open(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const h of held) {
      h.socket.off('error', h.onError);
      if (!h.socket.destroyed) h.admit();
    }
  }

  /** Drops what is still held and whatever arrives later (the broker is closing). */
  close(): void {
    this.closed = true;
    for (const h of this.held ?? []) h.socket.destroy();
    this.held = undefined;
  }
}
