/**
 * Two ways to drive the shadow service in integration tests, with one outcome
 * shape: MQTT.js with a device certificate on the reserved topics, and the real
 * @aws-sdk/client-iot-data-plane over the gateway. Test support, not product code.
 */
import {
  DeleteThingShadowCommand,
  GetThingShadowCommand,
  type IoTDataPlaneClient,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import type { MqttClient } from 'mqtt';
import type { ShadowOp } from '../../../../protocol/topics';
import { shadowTopic, shadowTopicPrefix } from '../../../../protocol/topics';

/** A shadow operation's answer, transport-independent. */
export type Outcome = { ok: true; body: Record<string, unknown> } | { ok: false; code: number; message: string };

/** Drives get/update/delete over one transport. */
export interface ShadowTransport {
  readonly name: 'mqtt' | 'http';
  call(op: ShadowOp, thing: string, shadow: string | undefined, payload?: string | object): Promise<Outcome>;
  close(): Promise<void>;
}

function text(payload: string | object | undefined): string {
  if (payload === undefined) return '';
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}

/** The data plane through the real SDK; errors become `{code, message}` from the typed exception. */
export function httpTransport(client: IoTDataPlaneClient): ShadowTransport {
  return {
    name: 'http',
    async call(op, thingName, shadowName, payload) {
      const base = shadowName === undefined ? { thingName } : { thingName, shadowName };
      try {
        const out =
          op === 'update'
            ? await client.send(new UpdateThingShadowCommand({ ...base, payload: Buffer.from(text(payload)) }))
            : op === 'get'
              ? await client.send(new GetThingShadowCommand(base))
              : await client.send(new DeleteThingShadowCommand(base));
        return { ok: true, body: JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) };
      } catch (e) {
        const err = e as { $metadata?: { httpStatusCode?: number }; message?: string };
        if (err.$metadata?.httpStatusCode === undefined) throw e;
        return { ok: false, code: err.$metadata.httpStatusCode, message: err.message ?? '' };
      }
    },
    async close() {},
  };
}

interface Waiter {
  topicPrefix: string;
  token: string | undefined;
  resolve: (o: Outcome) => void;
}

let tokenSeq = 0;

/**
 * The reserved MQTT topics through MQTT.js with a device certificate. Each thing's
 * client subscribes to `$aws/things/{thing}/shadow/#` once; a request gets a
 * clientToken (unless it is raw text) so its accepted/rejected answer is matched.
 */
export function mqttTransport(connect: (thing: string) => Promise<MqttClient>, timeoutMs = 5000): ShadowTransport {
  const clients = new Map<string, Promise<MqttClient>>();
  const waiters: Waiter[] = [];

  function clientFor(thing: string): Promise<MqttClient> {
    let c = clients.get(thing);
    if (!c) {
      c = (async () => {
        const client = await connect(thing);
        client.on('message', (topic, buf) => {
          const m = /^(.*)\/(accepted|rejected)$/.exec(topic);
          if (!m?.[1]) return;
          let body: Record<string, unknown>;
          try {
            body = JSON.parse(buf.toString('utf8'));
          } catch {
            return;
          }
          const i = waiters.findIndex((w) => w.topicPrefix === m[1] && (w.token === undefined || w.token === body.clientToken));
          if (i < 0) return;
          const [w] = waiters.splice(i, 1);
          if (!w) return;
          if (m[2] === 'accepted') w.resolve({ ok: true, body });
          else w.resolve({ ok: false, code: Number(body.code), message: String(body.message) });
        });
        await client.subscribeAsync(`${shadowTopicPrefix(thing)}/#`, { qos: 1 });
        return client;
      })();
      clients.set(thing, c);
    }
    return c;
  }

  return {
    name: 'mqtt',
    async call(op, thing, shadow, payload) {
      const client = await clientFor(thing);
      let body = text(payload);
      let token: string | undefined;
      if (payload === undefined || typeof payload === 'object') {
        const obj = (payload ?? {}) as Record<string, unknown>;
        const given = obj.clientToken;
        body = JSON.stringify(given === undefined ? { ...obj, clientToken: `ct-${++tokenSeq}` } : obj);
        const sent = (JSON.parse(body) as { clientToken?: unknown }).clientToken;
        // an invalid token is not echoed: match the first answer instead
        token = typeof sent === 'string' && Buffer.byteLength(sent) <= 64 ? sent : undefined;
      }
      const request = shadowTopic(thing, shadow, op);
      const answer = new Promise<Outcome>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no answer to ${request} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          topicPrefix: request,
          token,
          resolve: (o) => {
            clearTimeout(t);
            resolve(o);
          },
        });
      });
      await client.publishAsync(request, body, { qos: 1 });
      const out = await answer;
      // The table compares bodies across transports: drop the token we added.
      if (out.ok && payload === undefined) delete out.body.clientToken;
      if (out.ok && typeof payload === 'object' && !('clientToken' in payload)) delete out.body.clientToken;
      return out;
    },
    async close() {
      for (const c of clients.values()) (await c).end(true);
    },
  };
}
