import { describe, expect, it } from 'vitest';
import { OwnershipTokens } from './ownership-tokens';

const A = { clientId: 'factory-a', claimCertificateId: 'c'.repeat(64) };

describe('Class: OwnershipTokens', () => {
  function tokens(ttlMs = 1000) {
    let now = 0;
    const expired: string[] = [];
    const t = new OwnershipTokens({ ttlMs, now: () => now, onExpired: (x) => expired.push(x.certificateId) });
    return { t, expired, advance: (ms: number) => (now += ms) };
  }

  it('hands the certificate back once, to the connection it was issued to', () => {
    const { t } = tokens();
    const token = t.issue('cert-1', A);
    expect(t.consume(token, { ...A, clientId: 'factory-b' })).toBe('foreign');
    expect(t.consume(token, { ...A, claimCertificateId: 'd'.repeat(64) })).toBe('foreign');
    expect(t.consume(token, A)).toMatchObject({ certificateId: 'cert-1', clientId: 'factory-a' });
    expect(t.consume(token, A)).toBe('used');
    expect(t.consume('made-up', A)).toBe('unknown');
    expect(t.consume('', A)).toBe('empty');
  });

  it('refuses an expired token and reports its certificate as unclaimed', () => {
    const { t, expired, advance } = tokens(1000);
    const token = t.issue('cert-2', A);
    advance(1000);
    expect(t.consume(token, A)).toBe('expired');
    expect(expired).toEqual(['cert-2']);
    expect(t.consume(token, A)).toBe('expired');
  });

  it('sweeps expired tokens it was never asked about', () => {
    const { t, expired, advance } = tokens(1000);
    t.issue('cert-3', A);
    const kept = t.issue('cert-4', A);
    advance(500);
    t.sweep();
    expect(expired).toEqual([]);
    expect(t.consume(kept, A)).toMatchObject({ certificateId: 'cert-4' });
    advance(600);
    t.sweep();
    expect(expired).toEqual(['cert-3']);
    expect(t.size).toBe(0);
    advance(5000);
    t.sweep();
    expect(t.consume(kept, A)).toBe('unknown');
  });

  it('issues tokens that cannot be guessed from one another', () => {
    const { t } = tokens();
    const a = t.issue('x', A);
    const b = t.issue('x', A);
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(64);
  });
});
