/** Test support for the reasoning loop's end-to-end suites: telemetry of a kind, publishing it in batches, reading the pet. */
import { GetThingShadowCommand, type IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { MqttClient } from 'mqtt';
import { type PetState, PetStateSchema } from '../../../protocol/shadows';
import { type Sample, summarize, type TelemetryContext } from '../../../protocol/telemetry';

export type Kind = 'stress' | 'run' | 'rest';

/** 15 minutes at 1 Hz ending now: still with a raised heart rate and low HRV, running, or at rest. */
export function minutesOf(kind: Kind, end = Date.now(), minutes = 15): Sample[] {
  const out: Sample[] = [];
  for (let i = minutes * 60 - 1; i >= 0; i--) {
    const t = end - i * 1000;
    const wobble = (i % 7) - 3;
    if (kind === 'stress') out.push({ t, hr: 92 + wobble, hrvRmssd: 16 + (i % 3), steps: 0, accelG: 0.02 });
    else if (kind === 'run') out.push({ t, hr: 150 + wobble, hrvRmssd: 12 + (i % 3), steps: i % 2 === 0 ? 3 : 2, accelG: 1.6 });
    else out.push({ t, hr: 60 + wobble, hrvRmssd: 48 + (i % 5), steps: 0, accelG: 0.01 });
  }
  return out;
}

/** Publishes the samples as telemetry v1 batches of `batchSize` (QoS 1), with the phone's context when given; returns the batch ids. */
export async function publish(client: MqttClient, thing: string, samples: Sample[], seqBase: number, context?: TelemetryContext, batchSize = 300): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < samples.length; i += batchSize) {
    const part = samples.slice(i, i + batchSize);
    const seq = seqBase + i / batchSize;
    const batch = { v: 1, batchId: `${thing}-${seq}`, seq, samples: part, summary: summarize(part), ...(context ? { context } : {}) };
    await client.publishAsync(`dt/pulsepet/${thing}/telemetry`, JSON.stringify(batch), { qos: 1 });
    ids.push(batch.batchId);
  }
  return ids;
}

export async function readPet(data: IoTDataPlaneClient, thing: string): Promise<{ desired?: PetState; version: number }> {
  const out = await data.send(new GetThingShadowCommand({ thingName: thing, shadowName: 'pet' })).catch((e: unknown) => {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw e;
  });
  if (!out) return { version: 0 };
  const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString()) as { state?: { desired?: unknown }; version: number };
  return { desired: PetStateSchema.parse(doc.state?.desired), version: doc.version };
}

