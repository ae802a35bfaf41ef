import { describe, expect, it } from 'vitest';
import { InterestAnnouncer, InterestMirror } from './interest';

describe('Class: InterestMirror', () => {
  it('counts every topic until the broker process is ready, then only the topics a filter matches', () => {
    const m = new InterestMirror();
    m.add(['$aws/things/pet-1/shadow/name/pet/update/delta', 'dt/pulsepet/+/telemetry', 'cmd/#']);
    expect(m.has('$aws/things/pet-1/shadow/name/reasoning/update/accepted')).toBe(true);
    m.complete();
    expect(m.has('$aws/things/pet-1/shadow/name/reasoning/update/accepted')).toBe(false);
    expect(m.has('$aws/things/pet-1/shadow/name/pet/update/delta')).toBe(true);
    expect(m.has('$aws/things/pet-2/shadow/name/pet/update/delta')).toBe(false);
    expect(m.has('dt/pulsepet/pet-9/telemetry')).toBe(true);
    expect(m.has('cmd/a/b/c')).toBe(true);
  });

  it('answers true for a topic once a filter for it is added, though false was cached before', () => {
    const m = new InterestMirror();
    m.complete();
    expect(m.has('$aws/things/pet-3/shadow/update/documents')).toBe(false);
    m.add(['$aws/things/+/shadow/update/documents']);
    expect(m.has('$aws/things/pet-3/shadow/update/documents')).toBe(true);
    expect(m.size).toBe(1);
  });

  it('lets a filter with a leading wildcard match topics that start with a dollar sign, as aedes routes them', () => {
    const m = new InterestMirror();
    m.complete();
    m.add(['#']);
    expect(m.has('$aws/things/pet-1/shadow/name/reasoning/update/accepted')).toBe(true);
  });
});

describe('Class: InterestAnnouncer', () => {
  it('tells each filter once, shares the wait of a filter being told, and knows it afterwards', async () => {
    const told: string[][] = [];
    let answer: () => void = () => {};
    const a = new InterestAnnouncer((filters) => {
      told.push(filters);
      return new Promise<void>((resolve) => {
        answer = resolve;
      });
    });
    const first = a.announce('a/b');
    const second = a.announce('a/b');
    expect(first).toBeDefined();
    expect(second).toBe(first);
    answer();
    await first;
    expect(a.announce('a/b')).toBeUndefined();
    expect(told).toEqual([['a/b']]);
  });

  it('knows what it was told before ready without telling it again', () => {
    const a = new InterestAnnouncer(() => Promise.reject(new Error('not expected')));
    a.told(['$aws/things/pet-6/shadow/update/delta']);
    expect(a.announce('$aws/things/pet-6/shadow/update/delta')).toBeUndefined();
  });

  it('resolves when the stack cannot be told, and tries again for the next subscription', async () => {
    let calls = 0;
    const a = new InterestAnnouncer(() => {
      calls++;
      return Promise.reject(new Error('the stack is gone'));
    });
    await expect(a.announce('x/y')).resolves.toBeUndefined();
    await a.announce('x/y');
    expect(calls).toBe(2);
  });
});
