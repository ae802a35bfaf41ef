import { z } from 'zod';

/**
 * The pet display's runtime config, served beside the built page as `config.json`:
 * locally by `pulsepet up` (endpoints = the stack's HTTP port), on AWS written by infra
 * next to the files in S3 (endpoints left out: the SDKs' defaults for the region, and
 * the account's IoT data endpoint for MQTT). One shape for both, parsed by the page.
 *
 * @example
 * { "region": "us-east-1", "identityPoolId": "us-east-1:1f0c…", "database": "pulsepet",
 *   "endpoints": { "mqtt": "wss://abc123-ats.iot.us-east-1.amazonaws.com/mqtt" } }
 */

/** Cognito identity pool ids: `region:uuid` (API_GetId IdentityPoolId pattern). */
export const IDENTITY_POOL_ID_RE = /^[\w-]+:[0-9a-f-]+$/;

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

export const DisplayConfigSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'not an AWS region name'),
    identityPoolId: z.string().max(55).regex(IDENTITY_POOL_ID_RE, 'not a Cognito identity pool id (region:uuid)'),
    /** the Timestream database holding tables telemetry, presence and petStates */
    database: z.string().min(3).max(256),
    endpoints: z
      .object({
        /** MQTT over WebSocket: `wss://{iot data endpoint}/mqtt` on AWS, `ws://host:port/mqtt` locally */
        mqtt: z.url({ protocol: /^wss?$/, error: 'expected a ws(s):// URL' }),
        iotData: httpUrl.optional(),
        timestreamQuery: httpUrl.optional(),
        cognitoIdentity: httpUrl.optional(),
      })
      .strict(),
  })
  .strict();
export type DisplayConfig = z.infer<typeof DisplayConfigSchema>;

/** Where the display is served: a path no AWS API on the same port uses. */
export const DISPLAY_PATH = '/display/';
