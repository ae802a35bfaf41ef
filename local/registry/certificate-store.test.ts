import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { CertificateStore, certificateIdOfArn } from './certificate-store';
import { iotErrorTypeOf } from './errors';
import { durableStorage } from './storage';
import type { CertificateStatus } from './types';

const CERT_A = 'a'.repeat(64);
const CERT_B = 'b'.repeat(64);
const validity = { notBefore: 0, notAfter: 4_000_000_000_000 };

const open: CertificateStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function openStore(dir = mkdtempSync(join(tmpdir(), 'pp-certs-'))) {
  const events: string[] = [];
  const store = new CertificateStore(durableStorage(dir), 'eu-west-1', '123456789012', silentLogger(), (e) =>
    events.push(`${e.certificateId.slice(0, 1)}:${e.status}`),
  );
  open.push(store);
  return { store, events, dir };
}

async function errorType(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => iotErrorTypeOf(e),
  );
}

function add(store: CertificateStore, certificateId: string, status: CertificateStatus = 'ACTIVE') {
  return store.add({ certificateId, certificatePem: 'PEM', status, validity });
}

describe('Function: certificateIdOfArn', () => {
  it('reads the id of a certificate ARN and nothing else', () => {
    expect(certificateIdOfArn(`arn:aws:iot:eu-west-1:123456789012:cert/${CERT_A}`)).toBe(CERT_A);
    expect(certificateIdOfArn('arn:aws:iot:eu-west-1:123456789012:thing/pet-1')).toBeUndefined();
    expect(certificateIdOfArn(`arn:aws:iot:eu-west-1:123456789012:cert/${CERT_A.toUpperCase()}`)).toBeUndefined();
  });
});

describe('Class: CertificateStore', () => {
  describe('Method: add', () => {
    it('stores the certificate under its ARN and owner, announces its status, and refuses it twice', async () => {
      const { store, events } = openStore();
      const rec = await add(store, CERT_A);
      expect(rec).toMatchObject({
        certificateArn: `arn:aws:iot:eu-west-1:000000000000:cert/${CERT_A}`,
        ownedBy: '123456789012',
        customerVersion: 1,
      });
      expect(events).toEqual(['a:ACTIVE']);
      expect(await errorType(add(store, CERT_A))).toBe('ResourceAlreadyExistsException');
    });
  });

  describe('Method: forPrincipal', () => {
    it('finds a certificate by its principal ARN', async () => {
      const { store } = openStore();
      const rec = await add(store, CERT_A);
      expect(store.forPrincipal(rec.certificateArn)?.certificateId).toBe(CERT_A);
      expect(store.forPrincipal(store.arn(CERT_B))).toBeUndefined();
    });
  });

  describe('Method: updateStatus', () => {
    it('bumps the version on a change, leaves an unchanged status alone, and never reactivates a revoked certificate', async () => {
      const { store, events } = openStore();
      await add(store, CERT_A);
      const inactive = await store.updateStatus(CERT_A, 'INACTIVE');
      expect(inactive.customerVersion).toBe(2);
      expect((await store.updateStatus(CERT_A, 'INACTIVE')).customerVersion).toBe(2);
      await store.updateStatus(CERT_A, 'REVOKED');
      expect(await errorType(store.updateStatus(CERT_A, 'ACTIVE'))).toBe('CertificateStateException');
      expect(events).toEqual(['a:ACTIVE', 'a:INACTIVE', 'a:REVOKED']);
    });

    it('refuses IoT-internal statuses and unknown certificates', async () => {
      const { store } = openStore();
      await add(store, CERT_A);
      expect(await errorType(store.updateStatus(CERT_A, 'PENDING_TRANSFER'))).toBe('InvalidRequestException');
      expect(await errorType(store.updateStatus(CERT_B, 'INACTIVE'))).toBe('ResourceNotFoundException');
    });
  });

  describe('Method: list', () => {
    it('lists oldest first and keeps what was written across a reopen', async () => {
      const { store, dir } = openStore();
      await add(store, CERT_A);
      await add(store, CERT_B, 'INACTIVE');
      await store.delete(CERT_A);
      store.close();
      open.splice(open.indexOf(store), 1);
      const again = openStore(dir).store;
      expect(again.list().map((c) => [c.certificateId, c.status])).toEqual([[CERT_B, 'INACTIVE']]);
    });
  });
});
