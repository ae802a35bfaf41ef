import {
  ConflictException,
  GetThingShadowCommand,
  type IoTDataPlaneClient,
  ResourceNotFoundException,
  UpdateThingShadowCommand,
} from '@aws-sdk/client-iot-data-plane';
import { PulsepetError } from '../../protocol/errors';
import type { ShadowPort, ShadowRead } from './ports';

/**
 * The named shadows through the real `@aws-sdk/client-iot-data-plane`, with its
 * exceptions translated: ResourceNotFoundException → undefined (no shadow yet),
 * ConflictException (409, version moved) → 'conflict'; anything else → a retryable
 * PP_ERR_TRANSPORT, so Lambda retries the invocation.
 * https://docs.aws.amazon.com/iot/latest/developerguide/device-shadow-rest-api.html
 */
export function iotDataShadows(client: IoTDataPlaneClient): ShadowPort {
  return {
    async get(thing, shadowName) {
      try {
        const out = await client.send(new GetThingShadowCommand({ thingName: thing, shadowName }));
        const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) as {
          state?: { desired?: Record<string, unknown>; reported?: Record<string, unknown> };
          version?: number;
        };
        const read: ShadowRead = { version: doc.version ?? 0 };
        if (doc.state?.desired) read.desired = doc.state.desired;
        if (doc.state?.reported) read.reported = doc.state.reported;
        return read;
      } catch (e) {
        if (e instanceof ResourceNotFoundException) return undefined;
        throw transport(`GetThingShadow ${thing}/${shadowName}`, e);
      }
    },
    async update(thing, shadowName, state, expectedVersion) {
      const doc = { state, ...(expectedVersion === undefined ? {} : { version: expectedVersion }) };
      try {
        const out = await client.send(new UpdateThingShadowCommand({ thingName: thing, shadowName, payload: Buffer.from(JSON.stringify(doc)) }));
        const answer = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) as { version?: number };
        return answer.version ?? 0;
      } catch (e) {
        if (e instanceof ConflictException) return 'conflict';
        throw transport(`UpdateThingShadow ${thing}/${shadowName}`, e);
      }
    },
  };
}

function transport(what: string, e: unknown): PulsepetError {
  return new PulsepetError('PP_ERR_TRANSPORT', `${what} failed: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e, retryable: true });
}
