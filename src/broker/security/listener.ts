// The listener's security settings, checked and loaded before the broker touches its data directory:
// TLS certificate and key (PEM) for SSL / SASL_SSL, the SASL mechanisms and users for SASL_*. Every
// problem is an Error whose message names the setting and the file, so `buzzline broker` can print it as is.

import fs from 'node:fs';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { SASL_MECHANISMS, type SaslMechanism, type SecurityProtocol } from '../../kafka-security.ts';
import type { SaslServer } from './sasl.ts';
import { UserStore } from './users-file.ts';

export interface SecurityConfig {
  securityProtocol: SecurityProtocol;
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  saslMechanisms: readonly SaslMechanism[];
  saslUsersFile: string | null;
}

export interface ListenerSecurity {
  tls: tls.TlsOptions | null;
  sasl: SaslServer | null;
}

function readPem(file: string, what: string, flag: string): Buffer {
  try {
    const pem = fs.readFileSync(file);
    if (!pem.includes('-----BEGIN ')) throw new Error('not a PEM file (no "-----BEGIN" line)');
    return pem;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new Error(`cannot read the TLS ${what} ${file} (${flag}): ${reason}`, { cause: err });
  }
}

export function loadListenerSecurity(config: SecurityConfig, logger: Logger): ListenerSecurity {
  const protocol = config.securityProtocol;
  const wantsTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const wantsSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  let tlsOptions: tls.TlsOptions | null = null;
  if (wantsTls) {
    if (config.tlsCertFile === null || config.tlsKeyFile === null) throw new Error(`security protocol ${protocol} needs a certificate and its private key (--tls-cert and --tls-key, PEM files)`);
    const cert = readPem(config.tlsCertFile, 'certificate', '--tls-cert');
    const key = readPem(config.tlsKeyFile, 'key', '--tls-key');
    try {
      // Parses both and checks that the key belongs to the certificate, now rather than at the first client.
      tls.createSecureContext({ cert, key });
    } catch (err) {
      const reason = /key values mismatch/i.test((err as Error).message) ? 'the key does not belong to the certificate' : (err as Error).message;
      throw new Error(`TLS certificate ${config.tlsCertFile} and key ${config.tlsKeyFile} cannot be used: ${reason}`, { cause: err });
    }
    tlsOptions = { cert, key, minVersion: 'TLSv1.2' };
  } else if (config.tlsCertFile !== null || config.tlsKeyFile !== null) {
    throw new Error(`a TLS certificate or key was given but the security protocol is ${protocol}: use SSL or SASL_SSL to serve TLS`);
  }
  let sasl: SaslServer | null = null;
  if (wantsSasl) {
    if (config.saslUsersFile === null) throw new Error(`security protocol ${protocol} needs a users file (--sasl-users; add users with \`buzzline users add NAME --file FILE\`)`);
    if (config.saslMechanisms.length === 0) throw new Error(`security protocol ${protocol} needs at least one SASL mechanism (${SASL_MECHANISMS.join(', ')})`);
    const file = config.saslUsersFile;
    const users = new UserStore(file, (err) => logger.error({ file, err: err.message }, 'users file not reloaded, keeping the users read before'));
    if (protocol === 'SASL_PLAINTEXT' && config.saslMechanisms.includes('PLAIN')) {
      logger.warn('SASL/PLAIN without TLS: passwords cross the network in clear text (use SASL_SSL or SCRAM)');
    }
    sasl = { mechanisms: config.saslMechanisms, users };
  } else if (config.saslUsersFile !== null) {
    throw new Error(`a SASL users file was given but the security protocol is ${protocol}: use SASL_PLAINTEXT or SASL_SSL to require logins`);
  }
  return { tls: tlsOptions, sasl };
}
