/**
 * A note for `simulate persona` and `simulate seed-history` when their thing is not in
 * the registry. IoT Core keeps a shadow (and Timestream rows) for any thing name, so
 * both commands still do their work, as the AWS APIs allow; but a mistyped name would
 * otherwise seed or configure a pet no device plays, without a word.
 */
import { DescribeThingCommand, IoTClient, ResourceNotFoundException } from '@aws-sdk/client-iot';
import type { SimulateEnv } from './env';

/**
 * The note's line when `thing` is not registered; undefined when it is, or when the
 * registry cannot say (no iot:DescribeThing right, the endpoint unreachable): the
 * command's own calls report such a failure.
 */
export async function unregisteredNote(env: SimulateEnv, thing: string, what: string): Promise<string | undefined> {
  const iot = new IoTClient(env.client('iot'));
  try {
    await iot.send(new DescribeThingCommand({ thingName: thing }));
    return undefined;
  } catch (e) {
    return e instanceof ResourceNotFoundException ? `note: no thing named ${thing} in the registry; ${what} anyway (IoT Core keeps a shadow of any name), but no device of that name plays it yet\n` : undefined;
  } finally {
    iot.destroy();
  }
}
