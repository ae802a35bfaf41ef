/**
 * MQTT topic filters as IoT rules use them in FROM (iot-sql-from):
 * `+` matches one level, `#` matches the rest (including the parent level).
 * MQTT 3.1.1 §4.7.1 for wildcard placement, §4.7.2 for `$` topics.
 */

/** Returns the problem with a topic filter, or undefined if it is valid. */
export function validateTopicFilter(filter: string): string | undefined {
  if (filter.length === 0) return 'the topic filter is empty';
  if (Buffer.byteLength(filter, 'utf8') > 256) return 'the topic filter exceeds 256 bytes';
  if (filter.includes('\u0000')) return 'the topic filter contains a NUL character';
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i] as string;
    // [MQTT-4.7.1-2] '#' must be the last character and occupy a whole level.
    if (l.includes('#') && (l !== '#' || i !== levels.length - 1)) {
      return "'#' must be the last level and stand alone in it";
    }
    // [MQTT-4.7.1-3] '+' must occupy an entire level.
    if (l.includes('+') && l !== '+') return "'+' must occupy an entire level";
  }
  return undefined;
}

/** True when `topic` matches `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] wildcards at the first level do not match topics starting with '$'.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const fl = f[i];
    if (fl === '#') return true;
    const tl = t[i];
    if (tl === undefined) return false;
    if (fl !== '+' && fl !== tl) return false;
  }
  return f.length === t.length;
}
