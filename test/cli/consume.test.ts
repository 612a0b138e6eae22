// `buzzline consume` argument handling: bad settings and broker lists are reported together with what
// is allowed and exit with code 2 before anything connects.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../helpers/broker.ts';
import { BUZZLINE, run } from '../helpers/processes.ts';

test('invalid settings from --config and --set are all reported, exit code 2', async () => {
  const dir = tempDir('buzzline-consume-cli-');
  try {
    const file = path.join(dir, 'rules.json');
    fs.writeFileSync(file, JSON.stringify({ rules: { velocity: { count: 1 } } }));
    const r = await run(process.execPath, [BUZZLINE, 'consume', '--no-dashboard', '--config', file, '--set', 'rules.nope=3', '--set', 'windowMs=abc'], { timeoutMs: 30_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /rules\.velocity\.count must be >= 2 \(got 1\)/);
    assert.match(r.stderr, /unknown setting rules\.nope/);
    assert.match(r.stderr, /windowMs must be a number/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad broker list from KAFKA_BROKERS is named in the error', async () => {
  const r = await run(process.execPath, [BUZZLINE, 'consume', '--no-dashboard'], { timeoutMs: 30_000, env: { ...process.env, KAFKA_BROKERS: 'host:0' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /KAFKA_BROKERS: "host:0": expected host:port with a port from 1 to 65535/);
});

// A processor reading a topic it writes fed on its own output: with --topic bank_alerts_dlq one bad
// record became thousands of dead letters a second, without end. Each mistake is refused before anything
// connects (the broker address refuses: had the flags passed, the exit would be 1, not 2).
test('topics that are not legal or that the processor also writes are refused, exit code 2', async () => {
  const cases: Array<[string[], Record<string, string>, RegExp]> = [
    [['--topic', 'bank_alerts_dlq'], {}, /--topic "bank_alerts_dlq": the processor writes its dead letters there; it cannot also read it/],
    [[], { KAFKA_TOPIC: 'bank_metrics' }, /KAFKA_TOPIC "bank_metrics": the processor writes its metrics there/],
    [['--topic', 'bank_alerts_high'], {}, /--topic "bank_alerts_high": the processor writes its alerts there/],
    [['--state-topic', 'bank_alerts'], {}, /--state-topic "bank_alerts": the same topic as --topic; snapshots need a topic of their own/],
    [['--state-topic', 'bank_cases'], {}, /--state-topic "bank_cases": the processor writes its cases there/],
    [['--topic', 'a b', '--state-topic', ''], {}, /--topic "a b": topic names use letters[\s\S]*--state-topic "": topic names use letters/],
  ];
  for (const [flags, env, message] of cases) {
    const r = await run(process.execPath, [BUZZLINE, 'consume', '--no-dashboard', '--brokers', '127.0.0.1:1', ...flags], { timeoutMs: 30_000, env: { ...process.env, KAFKA_TOPIC: '', ...env } });
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('an empty group id or one with spaces is a flag error, not an unexpected one after connecting', async () => {
  for (const flags of [['--group', ''], ['--group', 'my group'], ['--instance-id', 'worker 1']]) {
    const r = await run(process.execPath, [BUZZLINE, 'consume', '--no-dashboard', '--brokers', '127.0.0.1:1', ...flags], { timeoutMs: 30_000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`option '${flags[0]} <id>' argument '${flags[1]}' is invalid\\. expected a non-empty id without spaces`), r.stderr);
    assert.doesNotMatch(r.stderr, /this is a bug|cannot reach/);
  }
});
