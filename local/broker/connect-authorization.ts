import type { AedesOptions, AuthenticateError } from 'aedes';
import type { HookDeps } from './hooks';
import { effectiveKeepAlive } from './limits';
import { markReason, principalIdentifier } from './session';

/** message-broker limits, "Client ID size": 128 bytes. */
export const MAX_CLIENT_ID_BYTES = 128;

function refuse(message: string, returnCode: 2 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode });
}

/**
 * The CONNECT hooks: keep-alive clamped to IoT Core's range, client-id size, and
 * `iot:Connect` on `client/{clientId}`
 * (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html).
 */
export function createConnectHooks(deps: HookDeps): Pick<AedesOptions, 'preConnect' | 'authenticate'> {
  const { limits, authorizer, log, connections } = deps;
  return {
    preConnect(client, packet, callback) {
      const s = connections.sessionOf(client);
      if (!s) return callback(new Error('connection has no authenticated session'), false);
      // Keep-alive is clamped to IoT Core's range, 0 meaning its maximum
      // (message-broker limits: "Keep-alive duration"); aedes arms its 1.5× timer from this.
      packet.keepalive = effectiveKeepAlive(packet.keepalive ?? 0, limits);
      callback(null, true);
    },

    authenticate(client, _username, _password, done) {
      const s = connections.sessionOf(client);
      if (!s) return done(refuse('no session', 5), false);
      const idBytes = Buffer.byteLength(client.id, 'utf8');
      if (idBytes > MAX_CLIENT_ID_BYTES) {
        log.warn({ clientIdBytes: idBytes }, 'CONNECT refused: client id too long');
        return done(refuse('identifier rejected', 2), false);
      }
      s.clientId = client.id;
      s.thingName = authorizer.resolveThingName(s);
      if (!authorizer.allowed(s, 'iot:Connect', authorizer.clientArn(client.id))) {
        s.reason = 'AUTH_ERROR';
        log.warn({ clientId: client.id, principal: principalIdentifier(s) }, 'CONNECT refused by policy');
        deps.lifecycle.connectRefused(s);
        // IoT Core hangs up without a CONNACK when iot:Connect is denied (clients see
        // e.g. AWS_ERROR_MQTT_UNEXPECTED_HANGUP); aedes skips its CONNACK once closed.
        client.conn.destroy();
        setImmediate(() => done(refuse('not authorized', 5), false));
        return;
      }
      // [MQTT-3.1.4-2] aedes closes the older connection with this client id; IoT Core
      // reports that one as DUPLICATE_CLIENTID.
      const previous = connections.registered(client.id);
      if (previous && previous !== s) markReason(previous, 'DUPLICATE_CLIENTID');
      done(null, true);
    },
  };
}
