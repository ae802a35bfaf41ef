import { EventEmitter } from 'node:events';
import type { IClientOptions, MqttClient } from 'mqtt';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CredentialSource } from './aws-session';
import { type ConnectionState, LiveConnection } from './live-connection';

/** A scripted MQTT.js client: each connect either gets a CONNACK or is closed (a refused URL). */
class FakeClient extends EventEmitter {
  ended = false;
  subscribed: string[] = [];
  constructor(readonly url: string) {
    super();
  }
  subscribeAsync(filters: string[]) {
    this.subscribed = filters;
    return Promise.resolve(filters.map((topic) => ({ topic, qos: 1 })));
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
}

function credentialsSequence(): CredentialSource & { calls: number; renewals: number } {
  let n = 0;
  const source = (async () => {
    source.calls++;
    return { accessKeyId: `ASIA${n}`, secretAccessKey: 'secret', sessionToken: `token-${n}` };
  }) as CredentialSource & { calls: number; renewals: number };
  source.calls = 0;
  source.renewals = 0;
  source.renew = () => {
    n++;
    source.renewals++;
  };
  return source;
}

afterEach(() => vi.useRealTimers());

describe('Class: LiveConnection', () => {
  it('connects with a presigned URL, subscribes, and after a lost connection reconnects with renewed credentials', async () => {
    vi.useFakeTimers();
    const clients: FakeClient[] = [];
    const states: ConnectionState['kind'][] = [];
    let caughtUp = 0;
    const credentials = credentialsSequence();
    const live = new LiveConnection({
      endpoint: 'ws://127.0.0.1:8080/mqtt',
      region: 'us-east-1',
      credentials,
      clientId: 'display-test',
      filters: ['$aws/things/+/shadow/name/pet/update/documents'],
      onMessage: () => undefined,
      onState: (s) => states.push(s.kind),
      onSubscribed: () => caughtUp++,
      connect: (url: string, _opts: IClientOptions) => {
        const c = new FakeClient(url);
        clients.push(c);
        return c as unknown as MqttClient;
      },
    });
    live.start();
    await vi.waitFor(() => expect(clients).toHaveLength(1));
    expect(clients[0]?.url).toMatch(/X-Amz-Security-Token=token-0$/);
    clients[0]?.emit('connect');
    await vi.waitFor(() => expect(states.at(-1)).toBe('online'));
    expect(clients[0]?.subscribed).toEqual(['$aws/things/+/shadow/name/pet/update/documents']);
    expect(caughtUp).toBe(1);

    clients[0]?.emit('error', new Error('connection lost'));
    clients[0]?.emit('close');
    expect(states.at(-1)).toBe('offline');
    await vi.advanceTimersByTimeAsync(1_500);
    await vi.waitFor(() => expect(clients).toHaveLength(2));
    expect(credentials.renewals).toBe(1);
    expect(clients[1]?.url).toMatch(/X-Amz-Credential=ASIA1%2F.*X-Amz-Security-Token=token-1$/);
    clients[1]?.emit('connect');
    await vi.waitFor(() => expect(caughtUp).toBe(2));
    expect(states).toEqual(['connecting', 'online', 'offline', 'connecting', 'online']);
    live.close();
  });

  it('backs off further after each failed attempt and stops for good on close()', async () => {
    vi.useFakeTimers();
    const clients: FakeClient[] = [];
    const offline: number[] = [];
    const live = new LiveConnection({
      endpoint: 'ws://127.0.0.1:8080/mqtt',
      region: 'us-east-1',
      credentials: credentialsSequence(),
      clientId: 'display-test',
      filters: [],
      onMessage: () => undefined,
      onState: (s) => s.kind === 'offline' && offline.push(s.retryInMs),
      onSubscribed: () => undefined,
      connect: (url: string) => {
        const c = new FakeClient(url);
        clients.push(c);
        queueMicrotask(() => c.emit('close'));
        return c as unknown as MqttClient;
      },
    });
    live.start();
    for (let i = 1; i <= 3; i++) {
      await vi.waitFor(() => expect(offline).toHaveLength(i));
      await vi.advanceTimersByTimeAsync(offline.at(-1) ?? 0);
    }
    expect(offline[0]).toBeLessThan(offline[1] ?? 0);
    expect(offline[1]).toBeLessThan(offline[2] ?? 0);
    live.close();
    const attempts = clients.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(clients.length).toBe(attempts);
  });
});
