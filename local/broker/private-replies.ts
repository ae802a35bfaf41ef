/**
 * Reply topics IoT Core delivers only to the connection whose request they answer:
 * the fleet provisioning MQTT API's `accepted` / `rejected` topics
 * (https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html).
 * A message on one of them that is not addressed to a connection (say, a device
 * publishing there itself) reaches nobody, so a certificate's private key or
 * ownership token can never be read by another subscriber.
 */
const PRIVATE_REPLY_RE = /^\$aws\/(?:certificates\/create(?:-from-csr)?|provisioning-templates\/[^/]+\/provision)\/[^/]+\/(?:accepted|rejected)$/;

export function isPrivateReplyTopic(topic: string): boolean {
  // a cheap prefix test first: this runs for every delivery
  if (!topic.startsWith('$aws/certificates/') && !topic.startsWith('$aws/provisioning-templates/')) return false;
  return PRIVATE_REPLY_RE.test(topic);
}
