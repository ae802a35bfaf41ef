import { PulsepetError } from '../protocol/errors';

/** Parses `mqtts://host:port` (port defaults to 8883, IoT Core's MQTT-over-TLS port). */
export function parseMqttEndpoint(endpoint: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(endpoint);
  } catch (e) {
    throw new PulsepetError('PP_ERR_CONFIG', `endpoint ${JSON.stringify(endpoint)} is not a URL`, { cause: e });
  }
  if (u.protocol !== 'mqtts:') throw new PulsepetError('PP_ERR_CONFIG', `endpoint must be mqtts://host:port, got ${u.protocol}//`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: u.port === '' ? 8883 : Number(u.port) };
}
