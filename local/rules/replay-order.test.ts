import { describe, expect, it } from 'vitest';
import { replayInTopicOrder } from './replay-order';

/** Letters a1..aN on topic a, b1..bN on b, and so on; ids sort oldest first within a topic. */
function letters(topics: string[], perTopic: number): Array<{ id: string; topic: string }> {
  return topics.flatMap((t) => Array.from({ length: perTopic }, (_, i) => ({ id: `${t}${String(i).padStart(3, '0')}`, topic: t })));
}

/** A replayOne that records the order letters started in and how many ran at once. */
function recorder(outcome: (id: string) => string | null | undefined = () => null) {
  const started: string[] = [];
  const running = new Set<string>();
  let peak = 0;
  let overlapSameTopic = false;
  const replayOne = async (id: string) => {
    if ([...running].some((r) => r[0] === id[0])) overlapSameTopic = true;
    running.add(id);
    peak = Math.max(peak, running.size);
    started.push(id);
    await new Promise((r) => setTimeout(r, 1));
    running.delete(id);
    return outcome(id);
  };
  return { replayOne, started, peak: () => peak, overlapSameTopic: () => overlapSameTopic };
}

describe('Function: replayInTopicOrder', () => {
  it('replays the letters of one topic in turn and oldest first, different topics side by side up to the concurrency', async () => {
    const all = letters(['a', 'b', 'c', 'd', 'e', 'f'], 5);
    const r = recorder();
    const result = await replayInTopicOrder(all, undefined, 4, r.replayOne);
    expect(result.replayed).toEqual(all.map((l) => l.id));
    expect(r.peak()).toBe(4);
    expect(r.overlapSameTopic()).toBe(false);
    for (const t of 'abcdef') expect(r.started.filter((id) => id[0] === t)).toEqual(all.filter((l) => l.topic === t).map((l) => l.id));
  });

  it('runs one letter at a time with a concurrency of 1, and never more letters at once than there are topics', async () => {
    const one = recorder();
    await replayInTopicOrder(letters(['a', 'b'], 3), undefined, 1, one.replayOne);
    expect(one.peak()).toBe(1);
    expect(one.started).toEqual(['a000', 'a001', 'a002', 'b000', 'b001', 'b002']);
    const single = recorder();
    await replayInTopicOrder(letters(['a'], 6), undefined, 16, single.replayOne);
    expect(single.peak()).toBe(1);
  });

  it('answers in the order asked: unknown ids left out, failures with their reason, letters gone meanwhile in neither list', async () => {
    const all = letters(['a', 'b'], 3);
    const r = recorder((id) => (id === 'b001' ? 'function still failing' : id === 'a002' ? undefined : null));
    const result = await replayInTopicOrder(all, ['b002', 'nope', 'a002', 'b001', 'a000'], 8, r.replayOne);
    expect(result).toEqual({ replayed: ['b002', 'a000'], failed: [{ id: 'b001', errorMessage: 'function still failing' }] });
    expect([...r.started].sort()).toEqual(['a000', 'a002', 'b001', 'b002']);
    // one topic's letters oldest first, though b002 was asked for before b001
    expect(r.started.filter((id) => id[0] === 'b')).toEqual(['b001', 'b002']);
  });
});
