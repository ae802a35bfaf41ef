import { describe, expect, it } from 'vitest';
import { formatFsyncPolicy, parseFsyncPolicy } from './fsync-policy';

describe('Function: parseFsyncPolicy', () => {
  it.each([
    ['always', { kind: 'always' }],
    ['never', { kind: 'never' }],
    ['interval:1', { kind: 'interval', ms: 1 }],
    ['interval:1000', { kind: 'interval', ms: 1000 }],
    ['interval:3600000', { kind: 'interval', ms: 3_600_000 }],
  ])('parses %s and formats it back', (text, policy) => {
    expect(parseFsyncPolicy(text)).toEqual(policy);
    expect(formatFsyncPolicy(policy as never)).toBe(text);
  });

  it.each(['', 'sometimes', 'interval', 'interval:', 'interval:0', 'interval:-5', 'interval:1.5', 'interval:3600001', 'ALWAYS', ' always'])(
    'rejects %j with the accepted syntax',
    (text) => {
      const r = parseFsyncPolicy(text);
      expect(r).toHaveProperty('error');
      expect((r as { error: string }).error).toContain('always | interval:MS | never');
      expect((r as { error: string }).error).toContain(JSON.stringify(text));
    },
  );
});
