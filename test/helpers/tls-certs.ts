// A throwaway certificate authority and a server certificate for 127.0.0.1 / localhost, made with the
// openssl command (node:crypto cannot sign X.509 certificates), plus an unrelated key for mismatch tests.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './processes.ts';

export interface TestCertificates {
  ca: string; // CA certificate (PEM): what clients trust
  cert: string; // server certificate signed by the CA
  key: string; // its key
  otherKey: string; // a key that does not belong to cert
}

export async function makeCertificates(dir: string): Promise<TestCertificates> {
  const file = (name: string) => path.join(dir, name);
  const openssl = async (args: string[]) => {
    const r = await run('openssl', args, { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `openssl ${args.join(' ')}:\n${r.stderr}`);
  };
  await openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=buzzline test CA']);
  await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
  fs.writeFileSync(file('san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl(['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('san.cnf')]);
  await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file('other.key')]);
  return { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key'), otherKey: file('other.key') };
}
