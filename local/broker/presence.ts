import { z } from 'zod';
import { presenceTopic } from '../../protocol/topics';

/**
 * Disconnect reasons as AWS IoT documents them for lifecycle events.
 * https://docs.aws.amazon.com/iot/latest/developerguide/life-cycle-events.html#connect-disconnect
 */
export const DISCONNECT_REASONS = [
  'AUTH_ERROR',
  'CLIENT_INITIATED_DISCONNECT',
  'CLIENT_ERROR',
  'CONNECTION_LOST',
  'DUPLICATE_CLIENTID',
  'FORBIDDEN_ACCESS',
  'MQTT_KEEP_ALIVE_TIMEOUT',
  'SERVER_ERROR',
  'SERVER_INITIATED_DISCONNECT',
  'THROTTLED',
  'WEBSOCKET_TTL_EXPIRATION',
] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

const base = {
  clientId: z.string(),
  timestamp: z.number().int(),
  sessionIdentifier: z.string().uuid(),
  principalIdentifier: z.string(),
  ipAddress: z.string().optional(),
  versionNumber: z.number().int().nonnegative(),
};

/** `$aws/events/presence/connected/{clientId}` payload. */
export const connectedEventSchema = z.object({ ...base, eventType: z.literal('connected') });
/** `$aws/events/presence/disconnected/{clientId}` payload. */
export const disconnectedEventSchema = z.object({
  ...base,
  eventType: z.literal('disconnected'),
  clientInitiatedDisconnect: z.boolean(),
  disconnectReason: z.enum(DISCONNECT_REASONS),
});
/**
 * `$aws/events/presence/connect_failed/{clientId}` payload: a CONNECT refused by
 * policy ("Connect failure events" on the lifecycle-events page).
 */
export const connectFailedEventSchema = z.object({
  clientId: z.string(),
  timestamp: z.number().int(),
  eventType: z.literal('connect_failed'),
  connectFailureReason: z.literal('AUTHORIZATION_FAILURE'),
  principalIdentifier: z.string(),
  ipAddress: z.string().optional(),
});
export type ConnectFailedEvent = z.infer<typeof connectFailedEventSchema>;
export type ConnectedEvent = z.infer<typeof connectedEventSchema>;
export type DisconnectedEvent = z.infer<typeof disconnectedEventSchema>;

/** The facts about one MQTT session that both lifecycle events carry. */
export interface SessionFacts {
  clientId: string;
  sessionIdentifier: string;
  principalIdentifier: string;
  ipAddress?: string;
  versionNumber: number;
}

export function connectedEvent(s: SessionFacts, now = Date.now()): { topic: string; payload: ConnectedEvent } {
  const payload: ConnectedEvent = {
    clientId: s.clientId,
    timestamp: now,
    eventType: 'connected',
    sessionIdentifier: s.sessionIdentifier,
    principalIdentifier: s.principalIdentifier,
    versionNumber: s.versionNumber,
  };
  if (s.ipAddress !== undefined) payload.ipAddress = s.ipAddress;
  return { topic: presenceTopic('connected', s.clientId), payload };
}

export function disconnectedEvent(
  s: SessionFacts,
  reason: DisconnectReason,
  now = Date.now(),
): { topic: string; payload: DisconnectedEvent } {
  const payload: DisconnectedEvent = {
    clientId: s.clientId,
    timestamp: now,
    eventType: 'disconnected',
    clientInitiatedDisconnect: reason === 'CLIENT_INITIATED_DISCONNECT',
    sessionIdentifier: s.sessionIdentifier,
    principalIdentifier: s.principalIdentifier,
    disconnectReason: reason,
    versionNumber: s.versionNumber,
  };
  if (s.ipAddress !== undefined) payload.ipAddress = s.ipAddress;
  return { topic: presenceTopic('disconnected', s.clientId), payload };
}

/**
 * Client ids containing `#` or `+` get no lifecycle events (they could not be
 * topic levels); see the note on clientId in the lifecycle-events page.
 */
export function hasLifecycleEvents(clientId: string): boolean {
  return !clientId.includes('#') && !clientId.includes('+');
}

export function connectFailedEvent(
  s: Pick<SessionFacts, 'clientId' | 'principalIdentifier' | 'ipAddress'>,
  now = Date.now(),
): { topic: string; payload: ConnectFailedEvent } {
  const payload: ConnectFailedEvent = {
    clientId: s.clientId,
    timestamp: now,
    eventType: 'connect_failed',
    connectFailureReason: 'AUTHORIZATION_FAILURE',
    principalIdentifier: s.principalIdentifier,
  };
  if (s.ipAddress !== undefined) payload.ipAddress = s.ipAddress;
  return { topic: `$aws/events/presence/connect_failed/${s.clientId}`, payload };
}
