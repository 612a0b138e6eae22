import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { resolveKafkaSecurity } from '../src/kafka-security.ts';
import { tempDir } from './helpers/broker.ts';

const dir = tempDir('buzzline-client-security-');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('nothing set is plaintext with no options; flags win over the environment', () => {
  assert.deepEqual(resolveKafkaSecurity({}, {}), { protocol: 'PLAINTEXT', connection: {}, env: { KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' } });
  const env = { KAFKA_SECURITY_PROTOCOL: 'sasl_plaintext', KAFKA_SASL_USERNAME: 'env-user', KAFKA_SASL_PASSWORD: 'env-pw' };
  const r = resolveKafkaSecurity({ saslUsername: 'flag-user', saslMechanism: 'plain' }, env);
  assert.deepEqual(r.connection, { sasl: { mechanism: 'PLAIN', username: 'flag-user', password: 'env-pw' } });
  assert.deepEqual(r.env, { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'flag-user', KAFKA_SASL_PASSWORD: 'env-pw' });
});

test('SASL_SSL: SCRAM-SHA-512 by default, the CA file read into the TLS options', () => {
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const r = resolveKafkaSecurity({ securityProtocol: 'SASL_SSL', saslUsername: 'u', saslPassword: 'p', sslCa: ca }, {});
  assert.equal(r.connection.sasl?.mechanism, 'SCRAM-SHA-512');
  assert.deepEqual(r.connection.tls, { ca: fs.readFileSync(ca) });
  assert.equal(r.env.KAFKA_SSL_CA_LOCATION, ca);
  assert.deepEqual(resolveKafkaSecurity({ securityProtocol: 'SSL' }, {}).connection, { tls: {} }, 'the system CAs without --ssl-ca');
});

test('every problem is named with its flag or variable, all at once', () => {
  assert.throws(() => resolveKafkaSecurity({ securityProtocol: 'TLS' }, {}), /invalid --security-protocol "TLS": expected one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
  assert.throws(() => resolveKafkaSecurity({}, { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'GSSAPI' }),
    /invalid KAFKA_SASL_MECHANISM "GSSAPI"[^]*needs a user name[^]*needs a password/);
  assert.throws(() => resolveKafkaSecurity({ sslCa: path.join(dir, 'ca.pem') }, { KAFKA_SASL_PASSWORD: 'x' }),
    /KAFKA_SASL_PASSWORD given but the security protocol is PLAINTEXT[^]*--ssl-ca given but the security protocol is PLAINTEXT/);
  const notPem = path.join(dir, 'not.pem');
  fs.writeFileSync(notPem, 'hello');
  assert.throws(() => resolveKafkaSecurity({ securityProtocol: 'SSL', sslCa: notPem }, {}), /cannot read the CA certificate .*not\.pem \(--ssl-ca\): no PEM certificate in it/);
});
