/**
 * Test support (not product code): a TCP proxy between the agent and the broker
 * that can cut the network (reset every connection, refuse new ones) and restore it.
 */
import { createServer, type Server, type Socket, connect } from 'node:net';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private up = true;
  port = 0;
  connections = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<number> {
    const server = createServer((client) => {
      if (!this.up) {
        client.destroy();
        return;
      }
      this.connections++;
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    const a = server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
    return this.port;
  }

  /** Cuts the network: resets every open connection and refuses new ones. */
  cut(): void {
    this.up = false;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
