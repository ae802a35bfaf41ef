/**
 * The IoT policies pulsepet deploys, as AWS IoT Core policy documents. The same
 * JSON is seeded by the local stack and created by `infra/` on AWS, so region and
 * account are wildcards (`arn:aws:iot:*:*:...`).
 *
 * Resources per action: https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html
 * Thing variables: https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html
 */

/** Name of the policy attached to every device certificate. */
export const DEVICE_POLICY_NAME = 'pulsepet-device';

/** Name of the policy for operator tools that watch errors, presence and telemetry. */
export const OPERATOR_POLICY_NAME = 'pulsepet-operator';

/** Name of the policy attached to claim certificates (fleet provisioning by claim). */
export const CLAIM_POLICY_NAME = 'pulsepet-claim';

/** Operator MQTT client ids must start with this (operators are not things). */
export const OPERATOR_CLIENT_ID_PREFIX = 'pulsepet-operator-';

// biome-ignore lint/suspicious/noTemplateCurlyInString: IoT policy variable, resolved by IoT Core, not JS
const THING = '${iot:Connection.Thing.ThingName}';
const ARN = 'arn:aws:iot:*:*:';

/**
 * The `pulsepet-device` policy (ARCHITECTURE.md "Device policy"):
 * - connect only with client id = the name of the thing attached to the
 *   certificate (an unattached certificate leaves the variable unresolved, and
 *   the IsAttached condition fails, so it cannot connect at all);
 * - publish / receive only on `dt/pulsepet/{thing}/*` and the thing's own shadow
 *   topics `$aws/things/{thing}/shadow/*` (the trailing `*` also covers named
 *   shadows, `.../shadow/name/pet/update/delta`);
 * - subscribe only to filters under the same prefixes. `+` and `#` are literal in
 *   policies, so `dt/pulsepet/+/telemetry` (someone else's data) is refused while
 *   `$aws/things/{thing}/shadow/#` is allowed by the `*`;
 * - never a named shadow whose name starts with `reasoning` (`reasoning`, `reasoning-coach`):
 *   the reasoning function's server-only state
 *   (an explicit Deny wins over the Allow above, and also stops its messages reaching a
 *   device subscribed to `shadow/#`).
 *
 * No `iot:RetainPublish`: devices never publish retained messages.
 */
export function devicePolicyDocument(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConnectAsOwnThing',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: `${ARN}client/${THING}`,
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Sid: 'OwnTopics',
        Effect: 'Allow',
        Action: ['iot:Publish', 'iot:Receive'],
        Resource: [`${ARN}topic/dt/pulsepet/${THING}/*`, `${ARN}topic/$aws/things/${THING}/shadow/*`],
      },
      {
        Sid: 'OwnTopicFilters',
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: [`${ARN}topicfilter/dt/pulsepet/${THING}/*`, `${ARN}topicfilter/$aws/things/${THING}/shadow/*`],
      },
      {
        Sid: 'NoServerOnlyShadow',
        Effect: 'Deny',
        Action: ['iot:Publish', 'iot:Receive', 'iot:Subscribe'],
        Resource: [`${ARN}topic/$aws/things/${THING}/shadow/name/reasoning*`, `${ARN}topicfilter/$aws/things/${THING}/shadow/name/reasoning*`],
      },
    ],
  });
}

/**
 * Device policy documents pulsepet seeded in earlier versions: a data dir whose
 * `pulsepet-device` default version is one of these (nobody changed it) is moved to the
 * current document. The first lacked the Deny on the server-only `reasoning` shadow; the
 * second denied only `reasoning` itself, not every `reasoning*` shadow.
 */
export function supersededDevicePolicyDocuments(): string[] {
  const current = JSON.parse(devicePolicyDocument()) as { Version: string; Statement: Array<{ Sid: string; Resource?: unknown }> };
  const first = { ...current, Statement: current.Statement.filter((st) => st.Sid !== 'NoServerOnlyShadow') };
  const onlyReasoning = {
    ...current,
    Statement: current.Statement.map((st) =>
      st.Sid === 'NoServerOnlyShadow'
        ? { ...st, Resource: [`${ARN}topic/$aws/things/${THING}/shadow/name/reasoning/*`, `${ARN}topicfilter/$aws/things/${THING}/shadow/name/reasoning/*`] }
        : st,
    ),
  };
  return [JSON.stringify(first), JSON.stringify(onlyReasoning)];
}

/**
 * The `pulsepet-operator` policy: connect as `pulsepet-operator-*`, and only
 * watch — subscribe to / receive `pulsepet/errors`, presence lifecycle events and
 * fleet telemetry. It grants no publish, so an operator tool cannot impersonate
 * devices or the cloud.
 */
export function operatorPolicyDocument(): string {
  const watched = ['pulsepet/errors', '$aws/events/presence/*', 'dt/pulsepet/*'];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ConnectAsOperator',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: `${ARN}client/${OPERATOR_CLIENT_ID_PREFIX}*`,
      },
      {
        Sid: 'WatchFilters',
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: watched.map((t) => `${ARN}topicfilter/${t}`),
      },
      {
        Sid: 'WatchTopics',
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: watched.map((t) => `${ARN}topic/${t}`),
      },
    ],
  });
}

/**
 * The `pulsepet-claim` policy, for the claim certificate a factory line shares
 * (fleet provisioning by claim, https://docs.aws.amazon.com/iot/latest/developerguide/provision-wo-cert.html):
 * - connect (any client id: a device has no identity yet);
 * - publish / receive / subscribe only on the fleet provisioning MQTT API:
 *   `$aws/certificates/create/*`, `$aws/certificates/create-from-csr/*` and
 *   `$aws/provisioning-templates/{template}/provision/*` of the allowed templates
 *   (`*` = every template; the seeded `pulsepet-claim` allows every template, a
 *   per-template claim policy names its own).
 * Nothing else: no telemetry, no shadow, no lifecycle events. A certificate with only
 * this policy cannot do anything but obtain its own identity.
 */
export function claimPolicyDocument(templateNames: readonly string[] = ['*']): string {
  const apis = ['$aws/certificates/create/*', '$aws/certificates/create-from-csr/*', ...templateNames.map((t) => `$aws/provisioning-templates/${t}/provision/*`)];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ConnectToProvision', Effect: 'Allow', Action: 'iot:Connect', Resource: `${ARN}client/*` },
      { Sid: 'ProvisioningTopics', Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: apis.map((t) => `${ARN}topic/${t}`) },
      { Sid: 'ProvisioningTopicFilters', Effect: 'Allow', Action: 'iot:Subscribe', Resource: apis.map((t) => `${ARN}topicfilter/${t}`) },
    ],
  });
}
