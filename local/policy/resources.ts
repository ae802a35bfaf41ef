/**
 * Resource ARNs that IoT data-plane actions are authorized against
 * (https://docs.aws.amazon.com/iot/latest/developerguide/iot-action-resources.html):
 * `iot:Connect` → `client/{clientId}`, `iot:Publish`/`iot:Receive`/`iot:RetainPublish`
 * → `topic/{topicName}`, `iot:Subscribe` → `topicfilter/{topicFilter}`, shadow
 * HTTP actions → `thing/{thingName}`.
 */

export type IotResourceKind = 'client' | 'topic' | 'topicfilter' | 'thing';

/** Builds `arn:aws:iot:{region}:{accountId}:{kind}/{name}`; `name` is used verbatim (no escaping). */
export function iotResourceArn(
  ctx: { region: string; accountId: string },
  kind: IotResourceKind,
  name: string,
): string {
  return `arn:aws:iot:${ctx.region}:${ctx.accountId}:${kind}/${name}`;
}

/**
 * The thing a connection acts as, for `${iot:Connection.Thing.ThingName}`.
 *
 * With non-exclusive thing association the thing name comes from the client id,
 * which must match a thing attached to the certificate; with one attached thing
 * IoT Core uses that thing ("AWS IoT Core uses the certificate the device presents
 * when it authenticates to determine which thing to use", thing-policy-variables).
 * Undefined means no thing: the variable is unresolved and `IsAttached` is false.
 */
export function connectionThingName(clientId: string, attachedThings: readonly string[]): string | undefined {
  if (attachedThings.includes(clientId)) return clientId;
  return attachedThings.length === 1 ? attachedThings[0] : undefined;
}
