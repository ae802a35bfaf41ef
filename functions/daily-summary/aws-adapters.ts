/**
 * The `daily` and `config` named shadows (over the reasoning function's
 * client-iot-data-plane shadow adapter) and the fleet's things (client-iot ListThings).
 */
import { type IoTClient, ListThingsCommand } from '@aws-sdk/client-iot';
import type { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { ANOMALY_METRICS, type DailyShadowState } from '../../protocol/daily';
import { CONFIG_SHADOW, DAILY_SHADOW } from '../../protocol/topics';
import { iotDataShadows } from '../reasoning/shadow-adapter';
import { personaOf } from '../shared/persona';
import type { DailyShadowPort, PersonaPort, ThingListPort } from './ports';

/**
 * The `reported` document that replaces the shown day: a metric the new day has no value
 * for is sent as null, which deletes it from the shadow (device-shadow-document.html),
 * so an old day's value never shows beside a new day's.
 */
export function reportedDocument(state: DailyShadowState): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...state };
  for (const m of ANOMALY_METRICS) if (doc[m] === undefined) doc[m] = null;
  return doc;
}

/** The `daily` shadow: the summary writes `reported` (a fact about a past day; no delta for the device). */
export function iotDailyShadow(client: IoTDataPlaneClient): DailyShadowPort {
  const shadows = iotDataShadows(client);
  return {
    async read(thing) {
      const r = await shadows.get(thing, DAILY_SHADOW);
      if (r === undefined) return undefined;
      const day = r.reported?.day;
      return typeof day === 'string' ? { day, version: r.version } : { version: r.version };
    },
    async write(thing, state, expectedVersion) {
      const v = await shadows.update(thing, DAILY_SHADOW, { reported: reportedDocument(state) }, expectedVersion);
      return v === 'conflict' ? 'conflict' : 'ok';
    },
  };
}

/** The persona the wearer chose in the `config` shadow (desired over reported; encouraging without one). */
export function iotPersona(client: IoTDataPlaneClient): PersonaPort {
  const shadows = iotDataShadows(client);
  return { persona: async (thing) => personaOf(await shadows.get(thing, CONFIG_SHADOW)) };
}

/** Every thing in the registry, page by page (ListThings, at most 250 a page). */
export function iotThingList(client: IoTClient): ThingListPort {
  return {
    async *list() {
      let nextToken: string | undefined;
      do {
        const page = await client.send(new ListThingsCommand({ maxResults: 250, ...(nextToken ? { nextToken } : {}) }));
        for (const t of page.things ?? []) if (t.thingName) yield t.thingName;
        nextToken = page.nextToken;
      } while (nextToken);
    },
  };
}
