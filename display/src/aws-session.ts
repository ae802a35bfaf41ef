import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import type { DisplayConfig } from '../../protocol/display-config';
import type { DisplayCredentials } from './presign';

/** Credentials are renewed this long before they expire (the SDKs' own margin). */
const REFRESH_MARGIN_MS = 5 * 60_000;

/** A credentials source that keeps its answer until it nears expiry, and can be told to renew. */
export interface CredentialSource {
  (): Promise<DisplayCredentials>;
  /** drops the kept credentials: the next call asks again (after a refused connection) */
  renew(): void;
}

/**
 * Wraps a provider so every user — the SDK clients and the MQTT presigner — shares one
 * set of credentials, asked for again only near expiry or after {@link CredentialSource.renew}.
 */
export function sharedCredentials(provider: () => Promise<DisplayCredentials>, now: () => number = Date.now, onRenew?: () => void): CredentialSource {
  let kept: Promise<DisplayCredentials> | undefined;
  const source = (() => {
    const current = kept;
    if (current === undefined) {
      const asked = provider();
      kept = asked;
      asked.catch(() => {
        if (kept === asked) kept = undefined;
      });
      return asked;
    }
    return current.then((c) => {
      if (c.expiration === undefined || c.expiration.getTime() - now() > REFRESH_MARGIN_MS) return c;
      if (kept === current) kept = undefined;
      return source();
    });
  }) as CredentialSource;
  source.renew = () => {
    kept = undefined;
    onRenew?.();
  };
  return source;
}

/**
 * What the display talks to AWS with: one identity's credentials, the shadow and history
 * clients. The clients are made again when the credentials are renewed (the SDK keeps
 * the credentials it was given until they near expiry: after a refusal it must not).
 */
export interface DisplaySession {
  readonly config: DisplayConfig;
  readonly credentials: CredentialSource;
  readonly iotData: IoTDataPlaneClient;
  readonly query: TimestreamQueryClient;
}

/** Errors that mean "these credentials are no longer good" (expired, unknown after a restart of the stack). */
const CREDENTIAL_ERRORS = new Set(['ExpiredTokenException', 'UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException']);

export function isCredentialError(e: unknown): boolean {
  return e instanceof Error && CREDENTIAL_ERRORS.has(e.name);
}

/** Runs a call; if the credentials were refused, renews them once and runs it again. */
export async function withFreshCredentials<T>(session: DisplaySession, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (!isCredentialError(e)) throw e;
    session.credentials.renew();
    return await call();
  }
}

/**
 * An unauthenticated Cognito identity of the config's pool (GetId, then
 * GetCredentialsForIdentity for the pool's unauthenticated role), and the SDK clients
 * signing with it. Endpoints come from the config: absent on AWS (the SDK defaults),
 * the local stack's HTTP port locally.
 */
export function openDisplaySession(config: DisplayConfig): DisplaySession {
  const { region, endpoints } = config;
  const cognito = fromCognitoIdentityPool({
    identityPoolId: config.identityPoolId,
    clientConfig: { region, ...(endpoints.cognitoIdentity ? { endpoint: endpoints.cognitoIdentity } : {}) },
  });
  const build = () => ({
    iotData: new IoTDataPlaneClient({ region, credentials, ...(endpoints.iotData ? { endpoint: endpoints.iotData } : {}) }),
    query: new TimestreamQueryClient({ region, credentials, ...(endpoints.timestreamQuery ? { endpoint: endpoints.timestreamQuery } : {}) }),
  });
  const credentials: CredentialSource = sharedCredentials(
    () => cognito(),
    Date.now,
    () => {
      const old = clients;
      clients = build();
      old.iotData.destroy();
      old.query.destroy();
    },
  );
  let clients = build();
  return {
    config,
    credentials,
    get iotData() {
      return clients.iotData;
    },
    get query() {
      return clients.query;
    },
  };
}
