// How every buzzline client reaches a secured Kafka: one place turns --security-protocol, --sasl-*,
// --ssl-ca (or KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD,
// KAFKA_SSL_CA_LOCATION from the environment or `.env`) into the `tls` / `sasl` connection options of
// @platformatic/kafka, which each command spreads into its clients. The names and values are librdkafka's
// (security.protocol, sasl.mechanism, ssl.ca.location), so settings carry over from other Kafka tools.

import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];
export const DEFAULT_SASL_MECHANISM: SaslMechanism = 'SCRAM-SHA-512';

// The fragment of @platformatic/kafka client options (Admin, Producer, Consumer) for the connection.
export interface KafkaSecurity {
  tls?: ConnectionOptions;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

// Raw settings as the command line gives them (absent when the flag was not used).
export interface SecurityFlags {
  securityProtocol?: string;
  saslMechanism?: string;
  saslUsername?: string;
  saslPassword?: string;
  sslCa?: string;
}

export const SECURITY_ENV: Readonly<Record<keyof SecurityFlags, string>> = {
  securityProtocol: 'KAFKA_SECURITY_PROTOCOL',
  saslMechanism: 'KAFKA_SASL_MECHANISM',
  saslUsername: 'KAFKA_SASL_USERNAME',
  saslPassword: 'KAFKA_SASL_PASSWORD',
  sslCa: 'KAFKA_SSL_CA_LOCATION',
};

export const SECURITY_FLAGS: Readonly<Record<keyof SecurityFlags, string>> = {
  securityProtocol: '--security-protocol',
  saslMechanism: '--sasl-mechanism',
  saslUsername: '--sasl-username',
  saslPassword: '--sasl-password',
  sslCa: '--ssl-ca',
};

export interface ClientSecurity {
  protocol: SecurityProtocol;
  connection: KafkaSecurity;
  // The same settings as environment variables, for child processes (`buzzline start`): a password
  // handed over this way does not show in the process list as a command-line argument would.
  env: Record<string, string>;
}

export class SecurityConfigError extends Error {
  readonly code = 'BUZZLINE_CONFIG';
}

type Env = Readonly<Record<string, string | undefined>>;

export function resolveKafkaSecurity(flags: SecurityFlags, env: Env): ClientSecurity {
  const errors: string[] = [];
  const source = (name: keyof SecurityFlags): { value: string; where: string } | undefined => {
    const flag = flags[name];
    if (flag !== undefined) return { value: flag, where: SECURITY_FLAGS[name] };
    const variable = env[SECURITY_ENV[name]];
    if (variable !== undefined && variable.trim() !== '') return { value: variable, where: SECURITY_ENV[name] };
    return undefined;
  };
  const protocolSource = source('securityProtocol');
  const protocolRaw = protocolSource?.value.trim().toUpperCase() ?? 'PLAINTEXT';
  const protocol = SECURITY_PROTOCOLS.find((p) => p === protocolRaw);
  if (!protocol) {
    throw new SecurityConfigError(`invalid ${protocolSource?.where} "${protocolSource?.value}": expected one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const mechanismSource = source('saslMechanism');
  const usernameSource = source('saslUsername');
  const passwordSource = source('saslPassword');
  const caSource = source('sslCa');
  const connection: KafkaSecurity = {};
  const childEnv: Record<string, string> = { [SECURITY_ENV.securityProtocol]: protocol };

  if (usesSasl) {
    const mechanismRaw = mechanismSource?.value.trim().toUpperCase() ?? DEFAULT_SASL_MECHANISM;
    const mechanism = SASL_MECHANISMS.find((m) => m === mechanismRaw);
    if (!mechanism) errors.push(`invalid ${mechanismSource?.where} "${mechanismSource?.value}": expected one of ${SASL_MECHANISMS.join(', ')}`);
    if (!usernameSource) errors.push(`security protocol ${protocol} needs a user name (${SECURITY_FLAGS.saslUsername} or ${SECURITY_ENV.saslUsername})`);
    if (!passwordSource) errors.push(`security protocol ${protocol} needs a password (${SECURITY_FLAGS.saslPassword} or ${SECURITY_ENV.saslPassword})`);
    if (mechanism && usernameSource && passwordSource) {
      connection.sasl = { mechanism, username: usernameSource.value, password: passwordSource.value };
      Object.assign(childEnv, { [SECURITY_ENV.saslMechanism]: mechanism, [SECURITY_ENV.saslUsername]: usernameSource.value, [SECURITY_ENV.saslPassword]: passwordSource.value });
    }
  } else {
    // Credentials that would silently not be used are a mistake worth stopping for.
    const stray = [mechanismSource, usernameSource, passwordSource].filter((s) => s !== undefined).map((s) => s.where);
    if (stray.length > 0) errors.push(`${stray.join(', ')} given but the security protocol is ${protocol}: use SASL_PLAINTEXT or SASL_SSL to log in`);
  }

  if (usesTls) {
    // Without a CA file the system's trusted CAs verify the broker, as for any TLS client.
    connection.tls = {};
    if (caSource) {
      try {
        const ca = fs.readFileSync(caSource.value);
        if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
        connection.tls.ca = ca;
        childEnv[SECURITY_ENV.sslCa] = caSource.value;
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
        errors.push(`cannot read the CA certificate ${caSource.value} (${caSource.where}): ${reason}`);
      }
    }
  } else if (caSource) {
    errors.push(`${caSource.where} given but the security protocol is ${protocol}: use SSL or SASL_SSL for TLS`);
  }

  if (errors.length > 0) throw new SecurityConfigError(errors.join('\n'));
  return { protocol, connection, env: childEnv };
}
