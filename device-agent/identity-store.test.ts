import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptStateError } from '../common/startup-errors';
import { defaultSerial } from './claim-config';
import { parseAgentConfig } from './config';
import { commitIdentity, loadIdentity, type NewIdentity } from './identity-store';

const identity: NewIdentity = {
  thing: 'pet-X1',
  certificateId: 'a'.repeat(64),
  certificatePem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n',
  privateKeyPem: '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n',
  caPem: '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n',
  endpoint: 'mqtts://localhost:8883',
  region: 'us-east-1',
};

const deviceDir = (): string => mkdtempSync(join(tmpdir(), 'pp-identity-'));

describe('Function: commitIdentity', () => {
  it('writes the identity as a config the agent reads, the key 0600, and loadIdentity finds it', () => {
    const dir = deviceDir();
    const stored = commitIdentity(dir, identity);
    expect(stored).toEqual({ thing: 'pet-X1', certificateId: identity.certificateId, configFile: join(dir, 'identity', 'pet-X1.config.json') });
    expect(readdirSync(join(dir, 'identity')).sort()).toEqual(['pet-X1.cert.pem', 'pet-X1.config.json', 'pet-X1.private.key', 'root-ca.pem']);
    expect(statSync(join(dir, 'identity', 'pet-X1.private.key')).mode & 0o777).toBe(0o600);
    expect(loadIdentity(dir)).toEqual(stored);
    const cfg = parseAgentConfig(['--config', stored.configFile], { scenarios: [] });
    expect(cfg).toMatchObject({ thing: 'pet-X1', endpoint: 'mqtts://localhost:8883', key: join(dir, 'identity', 'pet-X1.private.key'), outbox: join(dir, 'outbox') });
  });

  it('refuses a second identity and leaves the first as it was', () => {
    const dir = deviceDir();
    commitIdentity(dir, identity);
    const before = readFileSync(join(dir, 'identity', 'pet-X1.config.json'), 'utf8');
    expect(() => commitIdentity(dir, { ...identity, thing: 'pet-X2', certificateId: 'b'.repeat(64) })).toThrow();
    expect(readFileSync(join(dir, 'identity', 'pet-X1.config.json'), 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['identity']);
  });
});

describe('Function: loadIdentity', () => {
  it('treats what a crash before the commit left as no identity, and removes it', () => {
    const dir = deviceDir();
    const torn = join(dir, 'identity.tmp-4242-abc');
    mkdirSync(torn);
    writeFileSync(join(torn, 'pet-X1.cert.pem'), 'half');
    expect(loadIdentity(dir)).toBeUndefined();
    expect(existsSync(torn)).toBe(false);
  });

  it('refuses an identity folder with a file missing rather than provisioning a second certificate', () => {
    const dir = deviceDir();
    commitIdentity(dir, identity);
    unlinkSync(join(dir, 'identity', 'pet-X1.private.key'));
    expect(() => loadIdentity(dir)).toThrow(CorruptStateError);
  });

  it('refuses an identity config that is not JSON', () => {
    const dir = deviceDir();
    commitIdentity(dir, identity);
    writeFileSync(join(dir, 'identity', 'pet-X1.config.json'), '{"thing":');
    expect(() => loadIdentity(dir)).toThrow(/device identity config .* is not valid/);
  });
});

describe('Function: defaultSerial', () => {
  it('uses the machine id, else the host name made safe', () => {
    expect(defaultSerial((p) => (p === '/etc/machine-id' ? 'ABCDEF0123456789abcdef0123456789\n' : ''))).toBe('abcdef0123456789abcdef0123456789');
    const none = (): string => {
      throw new Error('ENOENT');
    };
    expect(defaultSerial(none, () => 'watch 7.local')).toBe('watch-7-local');
    expect(() => defaultSerial(none, () => '')).toThrow(/pass --serial/);
  });
});
