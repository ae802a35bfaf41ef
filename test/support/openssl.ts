/**
 * Test support: certificates made with the openssl CLI the way the AWS IoT developer guide
 * makes them (RSA 2048 keys, `req -x509` for the CA, `x509 -req -CA` for what it signs), so
 * tests use material that came from outside pulsepet's own certs/. Not product code.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OpensslCert {
  certFile: string;
  keyFile: string;
  certificatePem: string;
  privateKeyPem: string;
}

/** Runs openssl in `dir`; fails with the install command when it is missing. */
export function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.error) throw new Error('openssl is not installed; install it with: apt-get install -y openssl');
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function read(dir: string, name: string): OpensslCert {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, certificatePem: readFileSync(certFile, 'utf8'), privateKeyPem: readFileSync(keyFile, 'utf8') };
}

/** A root CA: `openssl genrsa` + `req -x509` (CA:TRUE), subject `/C=US/O=Acme/CN={name}`. */
export function opensslRootCa(dir: string, name: string): OpensslCert {
  openssl(dir, ['genrsa', '-out', `${name}.key`, '2048']);
  openssl(dir, ['req', '-x509', '-new', '-nodes', '-key', `${name}.key`, '-sha256', '-days', '365', '-out', `${name}.pem`, '-subj', `/C=US/O=Acme/CN=${name}`]);
  return read(dir, name);
}

/** A certificate for a new RSA key with `subject` (e.g. `/CN=…`), signed by `caName` (a CA made here). */
export function opensslSigned(dir: string, caName: string, name: string, subject: string): OpensslCert {
  openssl(dir, ['genrsa', '-out', `${name}.key`, '2048']);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '500', '-sha256']);
  return read(dir, name);
}
