/**
 * `pulsepet simulate persona --thing T strict|encouraging`: sets the coach persona in
 * the thing's `config` shadow `desired` through the real `client-iot-data-plane`, as an
 * operator or the display's persona switch does; a connected device (the agent or a
 * simulated one) applies it and reports it, and the reasoning function words the pet's
 * next message in it.
 */
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { parseFlags, UsageError } from '../../common/cli-config';
import { PERSONAS } from '../../protocol/shadows';
import { CONFIG_SHADOW } from '../../protocol/topics';
import { describeAwsError } from '../fleet/context';
import { simulateEnv } from './env';
import { unregisteredNote } from './registry-note';
import { PERSONA_FLAGS, PersonaFlags } from './flags';
import type { SimulateIo } from './run';

export async function simulatePersona(argv: string[], io: SimulateIo): Promise<number> {
  const f = parseFlags(argv, PERSONA_FLAGS, PersonaFlags, (v, pos) => {
    if (pos.length > 1) throw new UsageError([`unexpected arguments: ${pos.slice(1).join(' ')}`]);
    if (!(PERSONAS as readonly string[]).includes(pos[0] ?? '')) throw new UsageError([`PERSONA: give one of ${PERSONAS.join(', ')}${pos[0] === undefined ? '' : `, not '${pos[0]}'`}`]);
    return { ...v, persona: pos[0] };
  });
  const env = simulateEnv(io.env, f.region);
  const client = new IoTDataPlaneClient(env.client('iotData'));
  try {
    const out = await client.send(
      new UpdateThingShadowCommand({
        thingName: f.thing,
        shadowName: CONFIG_SHADOW,
        payload: Buffer.from(JSON.stringify({ state: { desired: { persona: f.persona } } })),
      }),
    );
    const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString('utf8')) as { version?: number };
    const note = await unregisteredNote(env, f.thing, 'its config shadow was written');
    if (note !== undefined) io.stderr.write(note);
    io.stdout.write(f.json ? `${JSON.stringify({ thing: f.thing, persona: f.persona, version: doc.version })}\n` : `${f.thing}: config persona desired ${f.persona} (shadow version ${doc.version})\n`);
    return 0;
  } catch (e) {
    io.stderr.write(`pulsepet simulate persona: UpdateThingShadow failed: ${describeAwsError({ ...(env.client('iotData').endpoint ? { endpointUrl: env.client('iotData').endpoint } : {}) }, e)}\n`);
    return 2;
  } finally {
    client.destroy();
  }
}
