import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { type RegistryFixture, startRegistryFixture, TEST_REGION } from '../../test/support/local/broker';
import { BrokerAuthorizer, type BrokerPrincipal } from './authz';
import { ConnectionTable } from './connections';
import { watchRegistry } from './registry-watch';

const cert = (certificateId: string, caCertificateId: string): BrokerPrincipal => ({
  kind: 'certificate',
  certificateId,
  certificateArn: `arn:aws:iot:${TEST_REGION}:000000000000:cert/${certificateId}`,
  caCertificateId,
});

describe('Function: watchRegistry', () => {
  let fx: RegistryFixture;
  let table: ConnectionTable;
  let authorizer: BrokerAuthorizer;
  let unwatch: () => void;

  beforeEach(async () => {
    fx = await startRegistryFixture();
    table = new ConnectionTable();
    authorizer = new BrokerAuthorizer(fx.registry, TEST_REGION, silentLogger());
    unwatch = watchRegistry(fx.registry, table, authorizer, silentLogger());
  });
  afterEach(async () => {
    unwatch();
    await fx.close();
  });

  it('closes the connections of a certificate made INACTIVE or REVOKED, as AUTH_ERROR, and no others', async () => {
    const dev = await fx.device('pet-watch');
    const principal = cert(dev.certificateId, fx.ca.certificateId);
    const mine = table.open(new PassThrough(), principal, undefined);
    const other = table.open(new PassThrough(), cert('c2', fx.ca.certificateId), undefined);
    await fx.registry.updateCertificateStatus(dev.certificateId, 'ACTIVE');
    expect(mine.socket.destroyed).toBe(false);
    await fx.registry.updateCertificateStatus(dev.certificateId, 'REVOKED');
    expect(mine.reason).toBe('AUTH_ERROR');
    expect(mine.socket.destroyed).toBe(true);
    expect(other.socket.destroyed).toBe(false);
  });

  it('closes the connections of a deleted certificate', () => {
    const mine = table.open(new PassThrough(), cert('c1', 'ca-1'), undefined);
    fx.registry.emit('certificate-deleted', { certificateId: 'c1' });
    expect(mine.reason).toBe('AUTH_ERROR');
  });

  it('closes every connection whose issuing CA is deactivated', () => {
    const issued = [table.open(new PassThrough(), cert('c1', 'ca-1'), undefined), table.open(new PassThrough(), cert('c2', 'ca-1'), undefined)];
    const elsewhere = table.open(new PassThrough(), cert('c3', 'ca-2'), undefined);
    const iam = table.open(new PassThrough(), { kind: 'iam', accessKeyId: 'AKID' }, undefined);
    fx.registry.emit('ca-status', { certificateId: 'ca-1', status: 'INACTIVE' });
    expect(issued.map((s) => s.reason)).toEqual(['AUTH_ERROR', 'AUTH_ERROR']);
    expect(elsewhere.reason).toBeUndefined();
    expect(iam.reason).toBeUndefined();
  });

  it('makes the authorizer evaluate afresh after a policy or attachment change', () => {
    const s = table.open(new PassThrough(), cert('c1', 'ca-1'), undefined);
    authorizer.allowed(s, 'iot:Connect', authorizer.clientArn('x'));
    const compiled = s.check;
    authorizer.allowed(s, 'iot:Connect', authorizer.clientArn('x'));
    expect(s.check).toBe(compiled);
    fx.registry.emit('policy-changed', { policyName: 'p' });
    authorizer.allowed(s, 'iot:Connect', authorizer.clientArn('x'));
    expect(s.check).not.toBe(compiled);
    const again = s.check;
    fx.registry.emit('attachments-changed', { target: 'arn' });
    authorizer.allowed(s, 'iot:Connect', authorizer.clientArn('x'));
    expect(s.check).not.toBe(again);
  });

  it('stops watching when told to', () => {
    unwatch();
    for (const event of ['certificate-status', 'certificate-deleted', 'ca-status', 'policy-changed', 'attachments-changed'] as const) {
      expect(fx.registry.listenerCount(event)).toBe(0);
    }
  });
});
