/**
 * The order dead letters are replayed in: letters of one topic (one device's telemetry)
 * in turn, oldest first, so a device's messages arrive in their order again; different
 * topics side by side, at most `concurrency` letters at once, so their writes and the
 * letters' removals share commits instead of paying one each.
 */

/** Dead letters replayed at once by default (letters of one topic always in turn). */
export const REPLAY_CONCURRENCY = 16;

export interface ReplayResult {
  replayed: string[];
  failed: Array<{ id: string; errorMessage: string }>;
}

/**
 * Replays `ids` (all `letters`, which come oldest first, when undefined; ids not among them are skipped) with
 * `replayOne`, which answers null once the letter is delivered, the reason when it
 * failed, or undefined when the letter is gone. The result lists ids in the order given.
 */
export async function replayInTopicOrder(
  letters: ReadonlyArray<{ id: string; topic: string }>,
  ids: readonly string[] | undefined,
  concurrency: number,
  replayOne: (id: string) => Promise<string | null | undefined>,
): Promise<ReplayResult> {
  const known = new Set(letters.map((l) => l.id));
  const order = ids === undefined ? [...known] : ids.filter((id) => known.has(id));
  const asked = new Set(order);
  // a topic's letters oldest first (`letters` are), whatever order they were asked in
  const byTopic = new Map<string, string[]>();
  for (const { id, topic } of letters) {
    if (!asked.has(id)) continue;
    const lane = byTopic.get(topic);
    if (lane) lane.push(id);
    else byTopic.set(topic, [id]);
  }
  const lanes = [...byTopic.values()];
  const outcomes = new Map<string, string | null | undefined>();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let lane = lanes[next++]; lane !== undefined; lane = lanes[next++]) for (const id of lane) outcomes.set(id, await replayOne(id));
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, lanes.length)) }, worker));
  const result: ReplayResult = { replayed: [], failed: [] };
  for (const id of order) {
    const outcome = outcomes.get(id);
    if (outcome === null) result.replayed.push(id);
    else if (outcome !== undefined) result.failed.push({ id, errorMessage: outcome });
  }
  return result;
}
