/**
 * The environment `pulsepet simulate` reads, once: the standard AWS variables (the
 * local stack's env file sets AWS_ENDPOINT_URL; on AWS it is unset) plus the broker's CA
 * and MQTT endpoint, as `pulsepet up` writes them.
 */
import { z } from 'zod';
import { UsageError } from '../../common/cli-config';

const SimulateEnvSchema = z.object({
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
  AWS_ENDPOINT_URL_IOT: z.url().optional(),
  AWS_ENDPOINT_URL_IOT_DATA_PLANE: z.url().optional(),
  AWS_ENDPOINT_URL_TIMESTREAM_QUERY: z.url().optional(),
  AWS_ENDPOINT_URL_TIMESTREAM_WRITE: z.url().optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  AWS_SESSION_TOKEN: z.string().min(1).optional(),
  PULSEPET_ROOT_CA: z.string().min(1).optional(),
  PULSEPET_MQTT_ENDPOINT: z
    .string()
    .regex(/^mqtts:\/\/[^/]+:\d+$/, 'expected mqtts://host:port')
    .optional(),
});

export type AwsService = 'iot' | 'iotData' | 'timestreamQuery' | 'timestreamWrite';

export interface SimulateEnv {
  region: string;
  rootCa?: string;
  mqttEndpoint?: string;
  /** `{ region, endpoint?, credentials? }` for a client of `service` */
  client(service: AwsService): { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } };
}

/** Parses the environment; every problem is a usage error (exit 2). */
export function simulateEnv(raw: Record<string, string | undefined>, regionFlag?: string): SimulateEnv {
  const r = SimulateEnvSchema.safeParse(raw);
  if (!r.success) throw new UsageError(r.error.issues.map((i) => `env ${i.path.join('.')}: ${i.message}`));
  const e = r.data;
  const region = regionFlag ?? e.AWS_REGION ?? e.AWS_DEFAULT_REGION;
  if (!region) throw new UsageError(['set AWS_REGION (source the env file `pulsepet up` wrote, e.g. .pulsepet/env)']);
  const credentials =
    e.AWS_ACCESS_KEY_ID && e.AWS_SECRET_ACCESS_KEY
      ? { accessKeyId: e.AWS_ACCESS_KEY_ID, secretAccessKey: e.AWS_SECRET_ACCESS_KEY, ...(e.AWS_SESSION_TOKEN ? { sessionToken: e.AWS_SESSION_TOKEN } : {}) }
      : undefined;
  const specific: Record<AwsService, string | undefined> = {
    iot: e.AWS_ENDPOINT_URL_IOT,
    iotData: e.AWS_ENDPOINT_URL_IOT_DATA_PLANE,
    timestreamQuery: e.AWS_ENDPOINT_URL_TIMESTREAM_QUERY,
    timestreamWrite: e.AWS_ENDPOINT_URL_TIMESTREAM_WRITE,
  };
  return {
    region,
    ...(e.PULSEPET_ROOT_CA ? { rootCa: e.PULSEPET_ROOT_CA } : {}),
    ...(e.PULSEPET_MQTT_ENDPOINT ? { mqttEndpoint: e.PULSEPET_MQTT_ENDPOINT } : {}),
    client(service) {
      const endpoint = specific[service] ?? e.AWS_ENDPOINT_URL;
      return { region, ...(endpoint ? { endpoint } : {}), ...(credentials ? { credentials } : {}) };
    },
  };
}
