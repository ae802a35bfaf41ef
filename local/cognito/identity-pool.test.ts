import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptStateError } from '../../common/startup-errors';
import { openIdentityPool } from './identity-pool';

const dirOf = () => mkdtempSync(join(tmpdir(), 'pp-pool-'));
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('Function: openIdentityPool', () => {
  it('gives a data dir one pool id per region, the same at every opening, another in another dir', () => {
    const dir = dirOf();
    const pool = openIdentityPool(dir, 'us-east-1', 'pulsepet_display');
    expect(pool.id).toMatch(new RegExp(`^us-east-1:${UUID}$`));
    expect(openIdentityPool(dir, 'us-east-1', 'pulsepet_display').id).toBe(pool.id);
    expect(openIdentityPool(dir, 'eu-west-1', 'pulsepet_display').id).toMatch(/^eu-west-1:/);
    expect(openIdentityPool(dir, 'eu-west-1', 'pulsepet_display').id.split(':')[1]).not.toBe(pool.id.split(':')[1]);
    expect(openIdentityPool(dirOf(), 'us-east-1', 'pulsepet_display').id).not.toBe(pool.id);
  });

  it('keeps its key in a 0600 file', () => {
    const dir = dirOf();
    openIdentityPool(dir, 'us-east-1', 'p');
    expect(statSync(join(dir, 'cognito', 'identity-pool-key.json')).mode & 0o777).toBe(0o600);
  });

  it('recognises the identities it made, also after reopening, and no forged or foreign one', () => {
    const dir = dirOf();
    const pool = openIdentityPool(dir, 'us-east-1', 'p');
    const ids = Array.from({ length: 20 }, () => pool.newIdentityId());
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) expect(id).toMatch(new RegExp(`^us-east-1:${UUID}$`));
    const reopened = openIdentityPool(dir, 'us-east-1', 'p');
    expect(ids.every((id) => reopened.hasIdentity(id))).toBe(true);
    const id = ids[0] as string;
    const flipped = `${id.slice(0, -1)}${id.endsWith('0') ? '1' : '0'}`;
    expect(pool.hasIdentity(flipped)).toBe(false);
    expect(pool.hasIdentity(id.replace('us-east-1', 'eu-west-1'))).toBe(false);
    expect(pool.hasIdentity('us-east-1:not-a-uuid')).toBe(false);
    expect(openIdentityPool(dirOf(), 'us-east-1', 'p').hasIdentity(id)).toBe(false);
  });

  it('refuses a corrupt key file instead of replacing it (the pool id would change)', () => {
    const dir = dirOf();
    openIdentityPool(dir, 'us-east-1', 'p');
    writeFileSync(join(dir, 'cognito', 'identity-pool-key.json'), '{"v":1,"key":"short"}');
    expect(() => openIdentityPool(dir, 'us-east-1', 'p')).toThrow(CorruptStateError);
  });
});
