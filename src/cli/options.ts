// Argument parsers shared by the commands: commander reports their errors as "error: option ... argument
// ... is invalid. <reason>" and exits 1 without a stack trace.

import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { parseBrokerList } from '../kafka-brokers.ts';
import { DEFAULT_SASL_MECHANISM, resolveKafkaSecurity, SASL_MECHANISMS, SECURITY_ENV, SECURITY_PROTOCOLS } from '../kafka-security.ts';
import type { ClientSecurity, SaslMechanism, SecurityFlags } from '../kafka-security.ts';
import { mergedEnv, readDotEnv } from '../producer/config.ts';

// A repeatable option's parser (--set a=1 --set b=2): the values in the order given.
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function integer(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  return (raw: string): number => {
    const n = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}, got "${raw}"`);
    }
    return n;
  };
}

export const port = integer(0, 65535);

// An address to bind or to give to clients. Empty (`--host "$HOST"` with HOST unset) is refused: Node
// binds an empty host on every interface, which would expose a plaintext broker to the network unasked.
export function hostName(raw: string): string {
  if (raw.trim() === '') throw new InvalidArgumentError(`expected a host name or address, got ${JSON.stringify(raw)}`);
  return raw;
}

// A consumer group id or group instance id: the Kafka client refuses an empty one or one with spaces,
// and would do so only after connecting, as an unexpected error.
export function clientId(raw: string): string {
  if (!/^\S+$/.test(raw)) throw new InvalidArgumentError(`expected a non-empty id without spaces, got ${JSON.stringify(raw)}`);
  return raw;
}

// How long a part of `buzzline start` whose supervisor is gone may take to stop before it exits anyway:
// it must not linger, holding its ports, because a flush or a commit waits for a broker that is gone too.
const ORPHAN_EXIT_MS = 6000;

// Why a command stops: asked to (a signal), its output went away, or it is a part of `buzzline start`
// and start is gone, in which case its siblings are stopping at the same moment.
export type ShutdownReason = 'signal' | 'output' | 'orphaned';

// Where the process was asked to stop (Ctrl+C, kill), run `stop` once and exit 0; a second signal
// while stopping exits at once. Losing its output (the reader of a pipe went away: EPIPE) or its
// supervisor stops it the same way, once: nothing to show the work to any more, and an unhandled stream
// error would otherwise end the process on the spot, without the flush or the commit.
export function onShutdown(stop: (reason: ShutdownReason) => Promise<void>): void {
  let stopping = false;
  const begin = (why: ShutdownReason, reason: string) => {
    if (stopping) return;
    stopping = true;
    stop(why).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`error while stopping after ${reason}: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    begin('signal', signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
    stream.on('error', (err: NodeJS.ErrnoException) => begin('output', `an error on ${name} (${err.code ?? err.message})`));
  }
  // Under `buzzline start` the IPC channel to it closes when it dies however it dies (even kill -9):
  // a part without its supervisor stops as if asked to, rather than running on unseen.
  if (process.channel !== undefined) {
    process.channel.unref();
    process.once('disconnect', () => {
      setTimeout(() => process.exit(1), ORPHAN_EXIT_MS).unref();
      begin('orphaned', 'buzzline start went away');
    });
  }
}

export function brokerList(raw: string): string[] {
  try {
    return parseBrokerList(raw);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

// A server whose port is taken says so in one line naming the flag that changes it (and exits: a
// second copy of a part is never what was meant). Other listen errors keep their own message.
export function listenFailure(error: unknown, host: string, portNumber: number, flag: string): string {
  const code = (error as NodeJS.ErrnoException).code ?? ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `port ${portNumber} on ${host} is already in use (is buzzline already running?): choose another with ${flag}`;
  return (error as Error).message;
}

// --brokers for the commands that only look at a cluster (topics, groups, tail, dashboard).
export function brokersOption(): Option {
  return new Option('--brokers <list>', 'bootstrap brokers, host:port[,host:port]').env('KAFKA_BROKERS').argParser(brokerList).default(['localhost:9092'], 'localhost:9092');
}

// The dashboard's access flags (src/dashboard/access.ts), for `consume` and `dashboard`.
export const ALLOWED_HOSTS_HELP = 'host names the dashboard answers to besides its address and localhost, comma-separated (e.g. a reverse proxy\'s name)';
export const TOKEN_HELP = 'access token the dashboard requires on every request [env DASHBOARD_TOKEN] (default: none on loopback, a random one printed otherwise)';

export function hostList(raw: string): string[] {
  return raw.split(',').map((h) => h.trim()).filter((h) => h !== '');
}

// "PLAIN,SCRAM-SHA-256": the broker's --sasl-mechanisms.
export function saslMechanismList(raw: string): SaslMechanism[] {
  const out: SaslMechanism[] = [];
  for (const name of raw.split(',').map((m) => m.trim().toUpperCase()).filter((m) => m !== '')) {
    const mechanism = SASL_MECHANISMS.find((m) => m === name);
    if (!mechanism) throw new InvalidArgumentError(`unknown SASL mechanism "${name}": expected ${SASL_MECHANISMS.join(', ')}`);
    if (!out.includes(mechanism)) out.push(mechanism);
  }
  if (out.length === 0) throw new InvalidArgumentError(`expected one or more of ${SASL_MECHANISMS.join(', ')}`);
  return out;
}

// The client side of security for every command that talks to Kafka. Values are resolved by
// clientSecurity() (flags, then the environment, then `.env`), not by commander, so that `.env` counts.
export function addSecurityOptions(command: Command): Command {
  return command
    .option('--security-protocol <protocol>', `${SECURITY_PROTOCOLS.join(' | ')} (default PLAINTEXT) [env ${SECURITY_ENV.securityProtocol}]`)
    .option('--sasl-mechanism <mechanism>', `${SASL_MECHANISMS.join(' | ')} (default ${DEFAULT_SASL_MECHANISM}) [env ${SECURITY_ENV.saslMechanism}]`)
    .option('--sasl-username <name>', `SASL user [env ${SECURITY_ENV.saslUsername}]`)
    .option('--sasl-password <password>', `SASL password; prefer the environment or .env, a flag shows in the process list [env ${SECURITY_ENV.saslPassword}]`)
    .option('--ssl-ca <file>', `CA certificate (PEM) that signed the brokers' certificates, if not a public CA [env ${SECURITY_ENV.sslCa}]`);
}

// The checked settings, or the command's usual error (exit 2) naming what is wrong.
export function clientSecurity(flags: SecurityFlags, command: Command): ClientSecurity {
  try {
    return resolveKafkaSecurity(flags, mergedEnv(readDotEnv()));
  } catch (error) {
    command.error(`error: ${(error as Error).message}`, { exitCode: 2 });
  }
}
