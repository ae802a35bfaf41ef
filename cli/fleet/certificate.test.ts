import { describe, expect, it } from 'vitest';
import { rollBack, type Undo } from './certificate';

describe('Function: rollBack', () => {
  it('undoes newest first and reports what failed, preferring the precise leftover', async () => {
    const ran: string[] = [];
    const undos: Undo[] = [
      { what: 'thing t', run: async () => void ran.push('thing') },
      {
        what: 'certificate c (ACTIVE)',
        run: async () => {
          ran.push('cert');
          throw Object.assign(new Error('DeleteCertificate failed'), { leftBehind: 'certificate c (INACTIVE, not deleted)' });
        },
      },
      {
        what: 'policy p attached to certificate c',
        run: async () => {
          ran.push('policy');
          throw new Error('DetachPolicy failed');
        },
      },
    ];
    expect(await rollBack(undos)).toEqual(['policy p attached to certificate c', 'certificate c (INACTIVE, not deleted)']);
    expect(ran).toEqual(['policy', 'cert', 'thing']);
  });
});
