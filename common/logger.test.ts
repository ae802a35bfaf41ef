import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

/** The raw JSON lines a logger writes, with each line's keys in order (duplicates kept). */
function capture(): { stream: PassThrough; lines: () => string[] } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { stream, lines: () => chunks.join('').split('\n').filter((l) => l !== '') };
}

/** How many times `"key":` appears at the top level of a JSON line. */
function keyCount(line: string, key: string): number {
  let depth = 0;
  let n = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      const end = line.indexOf('"', i + 1);
      if (depth === 1 && line.slice(i, end + 2) === `"${key}":`) n++;
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return n;
}

describe('Function: createLogger', () => {
  it("names the root's component on its own lines", () => {
    const out = capture();
    createLogger('pulsepet-up', { destination: out.stream }).info('ready');
    const [line] = out.lines();
    expect(JSON.parse(line ?? '{}')).toMatchObject({ component: 'pulsepet-up', msg: 'ready' });
  });

  it("writes a child's component once, replacing the root's, also on the child's own children", () => {
    const out = capture();
    const root = createLogger('pulsepet-up', { destination: out.stream });
    const broker = root.child({ component: 'broker' });
    broker.info('a');
    broker.child({ clientId: 'pet-1' }).warn('b');
    root.child({ component: 'shadow' }).warn('c');
    const lines = out.lines();
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(keyCount(l, 'component')).toBe(1);
    expect(lines.map((l) => (JSON.parse(l) as { component: string }).component)).toEqual(['broker', 'broker', 'shadow']);
  });

  it("lets a log call's own component win, once, on the root", () => {
    const out = capture();
    createLogger('pulsepet-up', { destination: out.stream }).info({ component: 'stack' }, 'ready');
    const [line] = out.lines();
    expect(keyCount(line ?? '', 'component')).toBe(1);
    expect(JSON.parse(line ?? '{}')).toMatchObject({ component: 'stack' });
  });

  it('never writes redacted secrets', () => {
    const out = capture();
    createLogger('t', { destination: out.stream }).child({ component: 'fleet' }).info({ privateKey: 'PRIVATE', creds: { secretAccessKey: 'S' } }, 'x');
    const [line] = out.lines();
    expect(line).not.toContain('PRIVATE');
    expect(line).not.toMatch(/"S"/);
  });
});
