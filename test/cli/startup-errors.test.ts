// Mistakes caught at start-up, through the real commands: bad flags before anything starts, a port that
// is taken (one line naming the flag, exit at once), a broker address that does not resolve or refuses
// (a clear line, exit within 10 s), and --version.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { startBroker, tempDir, type TestBroker } from '../helpers/broker.ts';
import { BUZZLINE, run } from '../helpers/processes.ts';

let tb: TestBroker;
let taken: net.Server;
let takenPort: number;
let refusedPort: number;
const cwd = tempDir('buzzline-startup-');

before(async () => {
  tb = await startBroker();
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as net.AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  refusedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(async () => {
  await new Promise<void>((resolve) => taken.close(() => resolve()));
  await tb.stop();
  fs.rmSync(cwd, { recursive: true, force: true });
});

const buzzline = (args: string[], timeoutMs = 30_000) => run(process.execPath, [BUZZLINE, ...args], { timeoutMs, env: { ...process.env, KAFKA_BROKERS: '' } });

function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line:\n${stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(stderr, /\n\s+at |^\{/m, 'no stack trace, no JSON log line');
}

test('--version prints the package version', async () => {
  const { version } = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const r = await buzzline(['--version']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), version);
});

const badStartFlags = [
  [['--rate', 'abc'], {}, /invalid --rate "abc"/],
  [['--fraud-rate', 'lots'], {}, /invalid --fraud-rate "lots"/],
  [['--log-level', 'loud'], {}, /invalid --log-level "loud"/],
  [['--partitions', '0'], {}, /--partitions.*expected an integer from 1/],
  [[], { KAFKA_BROKERS: 'host:0' }, /KAFKA_BROKERS: "host:0"/],
  // Both free, so only comparing them finds it; it failed once the broker and the producer ran.
  [['--port', 'SAME', '--dashboard-port', 'SAME'], {}, /--port and --dashboard-port are both \d+: the broker and the dashboard need a port each/],
] as const;

for (const [flags, env, message] of badStartFlags) {
  test(`start ${flags.join(' ') || Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')} fails before anything starts`, async () => {
    const started = Date.now();
    const r = await run(process.execPath, [BUZZLINE, 'start', '--port', '0', '--dashboard-port', '0', ...flags.map((f) => f.replace('SAME', String(refusedPort))), '--data-dir', `${cwd}/start-data`], { timeoutMs: 30_000, env: { ...process.env, KAFKA_BROKERS: '', ...env } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    // Fails at the flags, not after a timeout of its own (30 s and more): seconds here are process start,
    // which on a loaded machine is most of it.
    assert.ok(Date.now() - started < 20_000);
    assert.equal(r.stdout, '', 'nothing was started');
    assert.ok(!fs.existsSync(`${cwd}/start-data`), 'no broker ran');
  });
}

const portTaken = [
  ['broker', ['broker', '--port', 'PORT', '--data-dir', 'DATA'], '--port'],
  ['dashboard', ['dashboard', '--brokers', 'BROKER', '--port', 'PORT'], '--port'],
  ['consume', ['consume', '--brokers', 'BROKER', '--dashboard-port', 'PORT', '--log-file', 'LOG'], '--dashboard-port'],
  ['start (broker port)', ['start', '--port', 'PORT', '--dashboard-port', '0', '--data-dir', 'DATA'], '--port'],
  ['start (dashboard port)', ['start', '--port', '0', '--dashboard-port', 'PORT', '--data-dir', 'DATA'], '--dashboard-port'],
] as const;

for (const [name, template, flag] of portTaken) {
  test(`${name}: a port in use is one line naming ${flag}, exit at once`, async () => {
    const args = template.map((a) => a.replace('PORT', String(takenPort)).replace('BROKER', tb.bootstrap).replace('DATA', `${cwd}/data`).replace('LOG', `${cwd}/consumer.log`));
    const started = Date.now();
    const r = await buzzline(args);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assertOneLine(r.stderr, new RegExp(`port ${takenPort} on 127\\.0\\.0\\.1 is already in use.*choose another with ${flag}$`));
    assert.ok(Date.now() - started < 10_000, `exited after ${Date.now() - started} ms`);
  });
}

const addresses = [
  ['an address that does not resolve', 'no-such-host.invalid:9092', /ENOTFOUND no-such-host\.invalid/],
  ['a refused address', 'REFUSED', /ECONNREFUSED/],
] as const;
const clients = [
  ['produce', ['produce', '--log-file', 'LOG']],
  ['consume', ['consume', '--no-dashboard', '--log-file', 'LOG']],
  ['dashboard', ['dashboard', '--port', '0']],
  ['start --brokers', ['start', '--dashboard-port', '0']],
] as const;

for (const [what, address, cause] of addresses) {
  for (const [name, template] of clients) {
    test(`${name}: ${what} at start-up is a clear line and an exit within 10 s`, async () => {
      const brokers = address.replace('REFUSED', `127.0.0.1:${refusedPort}`);
      const started = Date.now();
      const r = await buzzline([...template.map((a) => a.replace('LOG', `${cwd}/client.log`)), '--brokers', brokers], 15_000);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.ok(Date.now() - started < 10_000, `exited after ${Date.now() - started} ms`);
      assertOneLine(r.stderr, new RegExp(`cannot reach Kafka at ${brokers.replace(/\./g, '\\.')}: .*${cause.source}.*check --brokers`));
    });
  }
  test(`doctor: ${what} is reported as a failed check within 10 s`, async () => {
    const brokers = address.replace('REFUSED', `127.0.0.1:${refusedPort}`);
    const started = Date.now();
    const r = await buzzline(['doctor', '--brokers', brokers], 15_000);
    assert.equal(r.code, 1);
    assert.ok(Date.now() - started < 10_000, `exited after ${Date.now() - started} ms`);
    assert.match(r.stdout, new RegExp(`✖ tcp connect .*${cause.source}`));
  });
}

// A log file that cannot be opened (a directory, a path under a file) was a stack trace from consume.
const logFileCommands = [
  ['produce', ['produce', '--brokers', 'BROKER', '--count', '1', '--bank-state', 'DATA/bank.json', '--log-file', 'LOG']],
  ['consume', ['consume', '--brokers', 'BROKER', '--no-dashboard', '--log-file', 'LOG']],
] as const;

for (const [name, template] of logFileCommands) {
  test(`${name}: a log file that cannot be opened is one line naming it`, async () => {
    const notAFile = `${cwd}/log-dir`;
    fs.mkdirSync(notAFile, { recursive: true });
    fs.writeFileSync(`${cwd}/plain-file`, '');
    for (const log of [notAFile, `${cwd}/plain-file/consumer.log`]) {
      const r = await buzzline(template.map((a) => a.replace('BROKER', tb.bootstrap).replace('DATA', `${cwd}/${name}-data`).replace('LOG', log)));
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assertOneLine(r.stderr, new RegExp(`^buzzline ${name}: cannot open the log file ${log.replace(/\./g, '\\.')}: E[A-Z]+`));
    }
  });
}

// An empty --host (`--host "$HOST"` with HOST unset) made Node bind every interface: a plaintext broker,
// or the dashboard, open to the network without anyone asking for it.
const emptyHost = [
  ['broker', ['broker', '--host', '', '--port', '0', '--data-dir', 'DATA'], '--host'],
  ['broker', ['broker', '--advertised-host', ' ', '--port', '0', '--data-dir', 'DATA'], '--advertised-host'],
  ['dashboard', ['dashboard', '--host', '', '--port', '0', '--brokers', 'BROKER'], '--host'],
  ['consume', ['consume', '--host', '', '--dashboard-port', '0', '--brokers', 'BROKER', '--log-file', 'LOG'], '--host'],
  ['start', ['start', '--host', '', '--port', '0', '--dashboard-port', '0', '--data-dir', 'DATA'], '--host'],
] as const;

for (const [name, template, flag] of emptyHost) {
  test(`${name}: an empty ${flag} is refused before anything listens`, async () => {
    const data = `${cwd}/empty-host-data`;
    const r = await buzzline(template.map((a) => a.replace('BROKER', tb.bootstrap).replace('DATA', data).replace('LOG', `${cwd}/empty-host.log`)), 20_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assertOneLine(r.stderr, new RegExp(`option '${flag} <host>' argument '\\s*' is invalid\\. expected a host name or address`));
    assert.equal(r.stdout, '');
    assert.ok(!fs.existsSync(data), 'no broker ran');
  });
}

// --from after --to replayed nothing and printed empty tables as a result; an epoch beyond what a Date
// holds got through the flag's check and crashed later.
test('backtest: --from not before --to, or a time out of range, is a flag error before anything connects', async () => {
  const wrongOrder = await buzzline(['backtest', '--brokers', `127.0.0.1:${refusedPort}`, '--from', '2030-01-01', '--to', '2020-01-01']);
  assert.equal(wrongOrder.code, 2, wrongOrder.stderr);
  assertOneLine(wrongOrder.stderr, /^error: --from \(2030-01-01T00:00:00\.000Z\) must be before --to \(2020-01-01T00:00:00\.000Z\)$/);
  const huge = await buzzline(['backtest', '--brokers', `127.0.0.1:${refusedPort}`, '--from', '99999999999999999']);
  assert.equal(huge.code, 1, huge.stderr);
  assertOneLine(huge.stderr, /option '--from <time>' argument '99999999999999999' is invalid/);
});
