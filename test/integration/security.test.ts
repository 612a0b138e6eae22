// TLS and SASL through real processes: two `buzzline broker` processes (SASL_SSL with PLAIN and SCRAM,
// SASL_PLAINTEXT with PLAIN) over a throwaway CA made with openssl, users made by `buzzline users add`.
// kcat (librdkafka) produces and consumes with SCRAM-SHA-512 over TLS and with PLAIN in the clear; wrong
// passwords fail with an authentication error that the broker logs without the password; a plaintext
// client on the TLS port is refused without harm; the pre-1.0 raw-token flow (SaslHandshake v0) works;
// and `buzzline produce` / `consume` / `groups` / `tail` run end to end against the SASL_SSL broker.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { Metadata } from '../../src/protocol/messages/03-metadata.ts';
import { SaslHandshake } from '../../src/protocol/messages/17-sasl-handshake.ts';
import { ApiVersions } from '../../src/protocol/messages/18-api-versions.ts';
import { tempDir } from '../helpers/broker.ts';
import { BUZZLINE, onLines, PYTHON, run, spawnBroker, track } from '../helpers/processes.ts';
import type { BrokerProcess } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';
import { makeCertificates } from '../helpers/tls-certs.ts';
import type { TestCertificates } from '../helpers/tls-certs.ts';

const PASSWORD = 'alice-S3cret-pw';
const WRONG = 'not-the-password-42';
const COUNT = 5000;

let work: string;
let certs: TestCertificates;
let users: string;
let tlsBroker: BrokerProcess;
let plainBroker: BrokerProcess;
const tlsLog: string[] = [];
const plainLog: string[] = [];

function buzzline(args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  return run(process.execPath, [BUZZLINE, ...args], { timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.input !== undefined ? { input: opts.input } : {}), env: { ...process.env, ...opts.env } });
}

function kcatSecurity(protocol: string, mechanism: string, user: string, password: string): string[] {
  const args = ['-X', `security.protocol=${protocol}`, '-X', `sasl.mechanism=${mechanism}`, '-X', `sasl.username=${user}`, '-X', `sasl.password=${password}`];
  return protocol === 'SASL_SSL' ? [...args, '-X', `ssl.ca.location=${certs.ca}`] : args;
}

// What a client of the SASL_SSL broker needs in its environment (the way .env would give it).
function clientEnv(mechanism = 'SCRAM-SHA-512'): NodeJS.ProcessEnv {
  return { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'alice', KAFKA_SASL_PASSWORD: PASSWORD, KAFKA_SSL_CA_LOCATION: certs.ca };
}

async function until(what: string, fn: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  work = tempDir('buzzline-security-');
  certs = await makeCertificates(work);
  users = path.join(work, 'users.json');
  const added = await buzzline(['users', 'add', 'alice', '--file', users], { input: `${PASSWORD}\n` });
  assert.equal(added.code, 0, added.stderr);
  const bob = await buzzline(['users', 'add', 'bob', '--file', users, '--mechanisms', 'SCRAM-SHA-256'], { env: { BUZZLINE_USER_PASSWORD: 'bob-pw' } });
  assert.equal(bob.code, 0, bob.stderr);
  tlsBroker = await spawnBroker(path.join(work, 'tls-data'), ['--default-partitions', '3', '--security-protocol', 'SASL_SSL', '--tls-cert', certs.cert, '--tls-key', certs.key,
    '--sasl-mechanisms', 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512', '--sasl-users', users]);
  onLines(tlsBroker.child.stdout, (l) => tlsLog.push(l));
  plainBroker = await spawnBroker(path.join(work, 'plain-data'), ['--default-partitions', '3', '--security-protocol', 'SASL_PLAINTEXT', '--sasl-mechanisms', 'PLAIN', '--sasl-users', users]);
  onLines(plainBroker.child.stdout, (l) => plainLog.push(l));
});

after(async () => {
  for (const b of [tlsBroker, plainBroker]) {
    if (b === undefined) continue;
    b.child.kill('SIGTERM');
    await b.exited;
  }
  fs.rmSync(work, { recursive: true, force: true });
});

test('users add stores salted SCRAM credentials only, readable by the owner; list and remove', async () => {
  const text = fs.readFileSync(users, 'utf8');
  assert.ok(!text.includes(PASSWORD) && !text.includes('bob-pw'), 'no clear password in the users file');
  const doc = JSON.parse(text) as { users: Record<string, Record<string, { salt: string; iterations: number; storedKey: string; serverKey: string }>> };
  assert.deepEqual(Object.keys(doc.users.alice ?? {}), ['SCRAM-SHA-256', 'SCRAM-SHA-512']);
  assert.deepEqual(Object.keys(doc.users.bob ?? {}), ['SCRAM-SHA-256']);
  assert.equal(doc.users.alice?.['SCRAM-SHA-512']?.iterations, 8192);
  assert.equal(Buffer.from(doc.users.alice?.['SCRAM-SHA-512']?.storedKey ?? '', 'base64').length, 64);
  assert.equal(fs.statSync(users).mode & 0o777, 0o600);
  const listed = await buzzline(['users', 'list', '--file', users]);
  assert.equal(listed.stdout, 'alice\tSCRAM-SHA-256,SCRAM-SHA-512\nbob\tSCRAM-SHA-256\n');
  const spare = path.join(work, 'spare-users.json');
  fs.copyFileSync(users, spare);
  assert.equal((await buzzline(['users', 'remove', 'bob', '--file', spare])).code, 0);
  const again = await buzzline(['users', 'remove', 'bob', '--file', spare]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /no user "bob" in .*spare-users\.json/);
  const empty = await buzzline(['users', 'add', 'carol', '--file', spare], { input: '\n' });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /empty password/);
  // A user without a name was saved, and the file could not be read afterwards by anyone.
  const nameless = await buzzline(['users', 'add', '', '--file', spare], { input: 'pw\n' });
  assert.notEqual(nameless.code, 0);
  assert.match(nameless.stderr, /value '' is invalid for argument 'name'\. a user name cannot be empty/);
  assert.equal((await buzzline(['users', 'list', '--file', spare])).stdout, 'alice\tSCRAM-SHA-256,SCRAM-SHA-512\n');
});

async function kcatRoundTrip(bootstrap: string, topic: string, produceSecurity: string[], consumeSecurity: string[]): Promise<void> {
  const lines = Array.from({ length: COUNT }, (_, i) => `k${i % 97}\tvalue-${i}`);
  const file = path.join(work, `${topic}.txt`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const produced = await run('kcat', ['-b', bootstrap, ...produceSecurity, '-P', '-t', topic, '-K', '\t', '-X', 'acks=all', '-l', file]);
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await run('kcat', ['-b', bootstrap, ...consumeSecurity, '-C', '-t', topic, '-e', '-q', '-f', '%k\t%s\n']);
  assert.equal(consumed.code, 0, consumed.stderr);
  const got = consumed.stdout.split('\n').filter((l) => l !== '');
  assert.equal(got.length, COUNT);
  assert.deepEqual(new Set(got), new Set(lines));
}

test('kcat over SASL_SSL: produces with SCRAM-SHA-512, consumes with SCRAM-SHA-256 and PLAIN', { timeout: 120_000 }, async () => {
  await kcatRoundTrip(tlsBroker.bootstrap, 'secure-scram', kcatSecurity('SASL_SSL', 'SCRAM-SHA-512', 'alice', PASSWORD), kcatSecurity('SASL_SSL', 'SCRAM-SHA-256', 'alice', PASSWORD));
  const plain = await run('kcat', ['-b', tlsBroker.bootstrap, ...kcatSecurity('SASL_SSL', 'PLAIN', 'bob', 'bob-pw'), '-C', '-t', 'secure-scram', '-e', '-q', '-c', '10']);
  assert.equal(plain.code, 0, plain.stderr);
  assert.ok(tlsLog.some((l) => /"mechanism":"SCRAM-SHA-512","user":"alice".*"SASL authenticated"/.test(l)));
});

test('kcat over SASL_PLAINTEXT with PLAIN produces and consumes', { timeout: 120_000 }, async () => {
  const security = kcatSecurity('SASL_PLAINTEXT', 'PLAIN', 'alice', PASSWORD);
  await kcatRoundTrip(plainBroker.bootstrap, 'plain-login', security, security);
});

test('confluent-kafka-python over SASL_SSL with SCRAM-SHA-256: produce, group consume, commit; a wrong password is an authentication error', { timeout: 120_000 }, async () => {
  const script = path.join(import.meta.dirname, 'py', 'sasl-client.py');
  const py = async (topic: string, password: string) => {
    const r = await run(PYTHON, [script, tlsBroker.bootstrap, topic, '500', 'SASL_SSL', 'SCRAM-SHA-256', 'alice', password, certs.ca], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  assert.deepEqual(await py('python-scram', PASSWORD), { produced: 500, consumed: 500, committed: 500 });
  assert.deepEqual(await py('python-refused', WRONG), { error: '_AUTHENTICATION' });
});

test('a wrong password, an unknown user or a mechanism without credentials fails with an authentication error, logged without secrets', { timeout: 120_000 }, async () => {
  const cases: [BrokerProcess, string[]][] = [
    [tlsBroker, kcatSecurity('SASL_SSL', 'SCRAM-SHA-512', 'alice', WRONG)],
    [tlsBroker, kcatSecurity('SASL_SSL', 'PLAIN', 'alice', WRONG)],
    [tlsBroker, kcatSecurity('SASL_SSL', 'SCRAM-SHA-256', 'mallory', WRONG)],
    [tlsBroker, kcatSecurity('SASL_SSL', 'SCRAM-SHA-512', 'bob', 'bob-pw')], // bob has SCRAM-SHA-256 only
    [plainBroker, kcatSecurity('SASL_PLAINTEXT', 'PLAIN', 'alice', WRONG)],
  ];
  for (const [broker, security] of cases) {
    const r = await run('kcat', ['-b', broker.bootstrap, ...security, '-L', '-m', '2'], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism/);
  }
  const failures = [...tlsLog, ...plainLog].filter((l) => l.includes('SASL authentication failed'));
  assert.ok(failures.some((l) => /"user":"alice".*"reason":"invalid credentials"/.test(l)), failures.join('\n'));
  assert.ok(failures.some((l) => /"user":"mallory"/.test(l)), failures.join('\n'));
  for (const l of [...tlsLog, ...plainLog]) {
    assert.ok(!l.includes(WRONG) && !l.includes(PASSWORD), `a password in the broker log: ${l}`);
  }
  // The broker is unharmed: a good login still works.
  const ok = await run('kcat', ['-b', tlsBroker.bootstrap, ...kcatSecurity('SASL_SSL', 'SCRAM-SHA-512', 'alice', PASSWORD), '-L', '-m', '10']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('a plaintext client on the TLS listener is refused cleanly and the broker keeps serving', { timeout: 60_000 }, async () => {
  const r = await run('kcat', ['-b', tlsBroker.bootstrap, '-L', '-m', '3'], { timeoutMs: 30_000 });
  assert.notEqual(r.code, 0);
  const raw = await RawClient.connect(tlsBroker.bootstrap);
  raw.send(ApiVersions, 0, ApiVersions.request.zero());
  assert.equal(await raw.nextFrame(), null, 'no Kafka answer without TLS');
  await until('the TLS failure to be logged', () => tlsLog.some((l) => l.includes('TLS handshake failed')), 10_000);
  assert.equal(tlsBroker.child.exitCode, null);
  const ok = await run('kcat', ['-b', tlsBroker.bootstrap, ...kcatSecurity('SASL_SSL', 'SCRAM-SHA-256', 'alice', PASSWORD), '-L', '-m', '10']);
  assert.equal(ok.code, 0, ok.stderr);
});

test('before login only ApiVersions and SASL are served; SaslHandshake v0 takes raw tokens; an unknown mechanism closes', async () => {
  const early = await RawClient.connect(plainBroker.bootstrap);
  early.send(ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
  const versions = (await early.receive(ApiVersions, 3)).body;
  assert.ok(versions.apiKeys.some((k) => k.apiKey === 17 && k.maxVersion === 1));
  assert.ok(versions.apiKeys.some((k) => k.apiKey === 36 && k.maxVersion === 2));
  early.send(Metadata, 1, { ...Metadata.request.zero(), topics: null });
  assert.equal(await early.nextFrame(), null, 'Metadata before login closes the connection');

  const v0 = await RawClient.connect(plainBroker.bootstrap);
  v0.send(SaslHandshake, 0, { mechanism: 'PLAIN' });
  const hs = (await v0.receive(SaslHandshake, 0)).body;
  assert.deepEqual(hs, { errorCode: ErrorCode.NONE, mechanisms: ['PLAIN'] });
  const token = Buffer.from(`\0alice\0${PASSWORD}`);
  const size = Buffer.alloc(4);
  size.writeInt32BE(token.length);
  v0.writeRaw(Buffer.concat([size, token]));
  assert.deepEqual(await v0.nextFrame(), Buffer.alloc(0), 'an empty server token: logged in');
  v0.send(Metadata, 1, { ...Metadata.request.zero(), topics: null });
  const md = (await v0.receive(Metadata, 1)).body;
  assert.equal(md.brokers.length, 1);
  v0.close();

  const badRaw = await RawClient.connect(plainBroker.bootstrap);
  badRaw.send(SaslHandshake, 0, { mechanism: 'PLAIN' });
  await badRaw.receive(SaslHandshake, 0);
  badRaw.writeRaw(Buffer.concat([Buffer.from([0, 0, 0, 8]), Buffer.from('\0alice\0x')]));
  assert.equal(await badRaw.nextFrame(), null, 'a failed raw login gets no answer, the connection closes');

  const unknown = await RawClient.connect(plainBroker.bootstrap);
  unknown.send(SaslHandshake, 1, { mechanism: 'SCRAM-SHA-256' });
  const refused = (await unknown.receive(SaslHandshake, 1)).body;
  assert.deepEqual(refused, { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN'] });
  assert.ok(await unknown.waitClosed());
});

test('buzzline produce, consume, groups and tail run end to end against the SASL_SSL broker', { timeout: 240_000 }, async () => {
  const brokers = tlsBroker.bootstrap;
  const produced = await buzzline(['produce', '--brokers', brokers, '--count', '2000', '--speed', 'max', '--accounts', '1000', '--new-bank', '--bank-state', path.join(work, 'bank.json'), '--seed', 'secure', '--log-file', path.join(work, 'producer.log')], { env: clientEnv('SCRAM-SHA-256'), timeoutMs: 120_000 });
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stdout, /produced 2,000 messages/);

  const group = 'secure-group';
  const consumer = track(spawn(process.execPath, [BUZZLINE, 'consume', '--brokers', brokers, '--no-dashboard', '--quiet', '--group', group, '--checkpoint-interval', '300',
    '--log-file', path.join(work, 'consumer.log')], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...clientEnv() } }));
  let stdout = '';
  let stderr = '';
  consumer.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
  consumer.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => consumer.on('exit', (code) => resolve(code)));
  await until('the group to have committed everything', async () => {
    if (consumer.exitCode !== null) throw new Error(`consume exited: ${stderr}`);
    const g = await buzzline(['groups', group, '--json', '--brokers', brokers], { env: clientEnv('PLAIN') });
    if (g.code !== 0) return false;
    const [view] = JSON.parse(g.stdout) as { totalLag: number; partitions: { committed: number | null }[] }[];
    return view !== undefined && view.partitions.length === 3 && view.partitions.every((p) => p.committed !== null) && Number(view.totalLag) === 0;
  }, 180_000);
  consumer.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.match(stdout, /processed 2,000 records/);

  const tail = await buzzline(['tail', 'bank_metrics', '--brokers', brokers, '-o', 'beginning', '-e', '-c', '1', '--json'], { env: clientEnv() });
  assert.equal(tail.code, 0, tail.stderr);
  assert.equal(JSON.parse(tail.stdout).topic, 'bank_metrics');
});

test('buzzline start with a SASL_SSL embedded broker: the processor and producer log in (credentials from .env) and data flows', { timeout: 180_000 }, async () => {
  const cwd = path.join(work, 'start');
  fs.mkdirSync(cwd);
  fs.writeFileSync(path.join(cwd, '.env'), `KAFKA_SASL_USERNAME=alice\nKAFKA_SASL_PASSWORD=${PASSWORD}\n`);
  const child = track(spawn(process.execPath, [BUZZLINE, 'start', '--port', '0', '--dashboard-port', '0', '--accounts', '1000', '--speed', '9000', '--seed', 'secure',
    '--security-protocol', 'SASL_SSL', '--tls-cert', certs.cert, '--tls-key', certs.key, '--sasl-users', users, '--ssl-ca', certs.ca], { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until('the dashboard', () => {
    if (child.exitCode !== null) throw new Error(`start exited:\n${output}`);
    return /dashboard: http:\/\/\S+/.test(output);
  }, 90_000);
  const url = /dashboard: (http:\/\/\S+)/.exec(output)?.[1] as string;
  const bootstrap = /embedded broker on (\S+)/.exec(output)?.[1] as string;
  await until('processed records on the dashboard', async () => {
    const summary = (await (await fetch(`${url}api/summary`)).json()) as { totals: { records: number } };
    return summary.totals.records > 0;
  }, 60_000);
  const plain = await run('kcat', ['-b', bootstrap, '-L', '-m', '2'], { timeoutMs: 20_000 });
  assert.notEqual(plain.code, 0, 'the embedded broker refuses clients without TLS');
  const secured = await run('kcat', ['-b', bootstrap, ...kcatSecurity('SASL_SSL', 'SCRAM-SHA-512', 'alice', PASSWORD), '-C', '-t', 'bank_alerts', '-o', 'beginning', '-c', '5', '-q']);
  assert.equal(secured.code, 0, secured.stderr);
  assert.equal(secured.stdout.trim().split('\n').length, 5);
  child.kill('SIGINT');
  assert.equal(await exited, 0, output);
  const brokerLog = fs.readFileSync(path.join(cwd, 'logs', 'broker.log'), 'utf8');
  assert.match(brokerLog, /"securityProtocol":"SASL_SSL"/);
  assert.ok(!brokerLog.includes(PASSWORD));
});

test('a client without the login the broker requires is told so', { timeout: 60_000 }, async () => {
  const noTls = await buzzline(['topics', '--brokers', tlsBroker.bootstrap], { env: { KAFKA_SECURITY_PROTOCOL: '' } });
  assert.equal(noTls.code, 1);
  assert.match(noTls.stderr, /buzzline topics: cannot reach Kafka at/);
  const wrong = await buzzline(['topics', '--brokers', tlsBroker.bootstrap, '--sasl-password', WRONG], { env: clientEnv() });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /SASL authentication failed.*Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
});

test('incomplete or contradictory security settings are refused before anything runs', async () => {
  const noUser = await buzzline(['topics', '--brokers', '127.0.0.1:1', '--security-protocol', 'SASL_SSL']);
  assert.equal(noUser.code, 2);
  assert.match(noUser.stderr, /security protocol SASL_SSL needs a user name \(--sasl-username or KAFKA_SASL_USERNAME\)/);
  const stray = await buzzline(['produce', '--brokers', '127.0.0.1:1', '--sasl-username', 'alice']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /--sasl-username given but the security protocol is PLAINTEXT/);
  const badCa = await buzzline(['consume', '--brokers', '127.0.0.1:1', '--security-protocol', 'ssl', '--ssl-ca', path.join(work, 'missing.pem')]);
  assert.equal(badCa.code, 2);
  assert.match(badCa.stderr, /cannot read the CA certificate .*missing\.pem \(--ssl-ca\): no such file/);
});

test('the broker refuses missing, unreadable or mismatched TLS files and a missing users file, naming them', async () => {
  const broker = (args: string[]) => buzzline(['broker', '--port', '0', '--data-dir', path.join(work, 'refused'), ...args]);
  const missing = await broker(['--security-protocol', 'SSL', '--tls-cert', path.join(work, 'nope.pem'), '--tls-key', certs.key]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read the TLS certificate .*nope\.pem \(--tls-cert\): no such file/);
  const notPem = await broker(['--security-protocol', 'SSL', '--tls-cert', certs.cert, '--tls-key', users]);
  assert.match(notPem.stderr, /cannot read the TLS key .*users\.json \(--tls-key\): not a PEM file/);
  const mismatch = await broker(['--security-protocol', 'SASL_SSL', '--tls-cert', certs.cert, '--tls-key', certs.otherKey, '--sasl-users', users]);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /TLS certificate .*server\.pem and key .*other\.key cannot be used: the key does not belong to the certificate/);
  const noCert = await broker(['--security-protocol', 'SASL_SSL', '--sasl-users', users]);
  assert.match(noCert.stderr, /security protocol SASL_SSL needs a certificate and its private key/);
  const noUsers = await broker(['--security-protocol', 'SASL_PLAINTEXT']);
  assert.match(noUsers.stderr, /security protocol SASL_PLAINTEXT needs a users file \(--sasl-users/);
  const badUsers = path.join(work, 'bad-users.json');
  fs.writeFileSync(badUsers, '{"users": {"eve": {"SCRAM-SHA-256": {"salt": "AA==", "iterations": 10}}}}');
  const weak = await broker(['--security-protocol', 'SASL_PLAINTEXT', '--sasl-users', badUsers]);
  assert.match(weak.stderr, /bad-users\.json: user "eve" SCRAM-SHA-256: iterations must be a whole number from 4096/);
  const tlsOnPlaintext = await broker(['--tls-cert', certs.cert, '--tls-key', certs.key]);
  assert.match(tlsOnPlaintext.stderr, /a TLS certificate or key was given but the security protocol is PLAINTEXT/);
  assert.ok(!fs.existsSync(path.join(work, 'refused')), 'the data directory is not even created');
});
