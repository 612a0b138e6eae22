// Error tier 3: an unexpected exception, in a handler or in a background task of the group coordinator,
// closes the connections it concerns and is logged with the request's identity; the broker process lives
// on and serves everyone else. Faults are injected by test/helpers/faulty-broker.ts, a broker process whose
// logger throws at chosen log messages; the process reports any unhandled rejection or uncaught exception.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Api } from '../../src/protocol/api.ts';
import { encodeSubscription } from '../../src/protocol/consumer-protocol.ts';
import { ErrorCode } from '../../src/protocol/error-codes.ts';
import { ApiVersions } from '../../src/protocol/messages/18-api-versions.ts';
import { JoinGroup } from '../../src/protocol/messages/11-join-group.ts';
import { LeaveGroup } from '../../src/protocol/messages/13-leave-group.ts';
import { tempDir } from '../helpers/broker.ts';
import { until } from '../helpers/groups.ts';
import { onLines, track } from '../helpers/processes.ts';
import { RawClient } from '../helpers/raw-client.ts';

const FAULTY_BROKER = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/faulty-broker.ts');

interface LogLine {
  msg: string;
  level: number;
  [k: string]: unknown;
}

const logs: LogLine[] = [];
let dataDir: string;
let bootstrap: string;
let exited: number | null | undefined;

before(async () => {
  dataDir = tempDir();
  // 'member joined' fails inside JoinGroup's own call into the group; 'rebalance: members joined' inside
  // the rebalance timer; 'member removed' inside LeaveGroup (a handler that does not wait).
  const child = track(spawn(process.execPath, [FAULTY_BROKER, dataDir, 'member joined@g-sync-fault', 'rebalance: members joined@g-timer-fault', 'member removed@g-leave-fault'], { stdio: ['ignore', 'pipe', 'inherit'] }));
  child.on('exit', (code) => (exited = code));
  onLines(child.stdout, (line) => {
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      // Not a log line.
    }
  });
  await until(() => logs.some((l) => l.msg === 'broker listening') || exited !== undefined, 30_000, 'the faulty broker to listen');
  const listening = logs.find((l) => l.msg === 'broker listening');
  assert.ok(listening, 'faulty broker did not start');
  bootstrap = `127.0.0.1:${String(listening.port)}`;
});
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function send<Req, Res>(c: RawClient, api: Api<Req, Res>, version: number, fill: (req: Req) => void, clientId: string): number {
  const req = api.request.zero();
  fill(req);
  return c.send(api, version, req, clientId);
}

const subscription = encodeSubscription({ topics: ['t'], userData: null, ownedPartitions: [], generationId: -1, rackId: null });
const joinRequest = (groupId: string) => (q: ReturnType<typeof JoinGroup.request.zero>) => {
  q.groupId = groupId;
  q.sessionTimeoutMs = 10_000;
  q.rebalanceTimeoutMs = 10_000;
  q.memberId = '';
  q.protocolType = 'consumer';
  q.protocols = [{ name: 'range', metadata: subscription }];
};

async function stillServes(): Promise<void> {
  const c = await RawClient.connect(bootstrap);
  try {
    send(c, ApiVersions, 3, (q) => Object.assign(q, { clientSoftwareName: 'probe', clientSoftwareVersion: '1' }), 'probe');
    const res = await c.receive(ApiVersions, 3);
    assert.equal(res.body.errorCode, ErrorCode.NONE);
  } finally {
    c.close();
  }
  assert.equal(exited, undefined, 'the broker process exited');
  assert.deepEqual(logs.filter((l) => l.level >= 60).map((l) => l.msg), [], 'unhandled rejection or uncaught exception');
}

// The connection's failure log names the request.
async function failureLogged(clientId: string, correlationId: number, apiKey: number, apiVersion: number): Promise<void> {
  await until(() => logs.some((l) => l.msg === 'handler failed, closing connection' && l.clientId === clientId), 5000, `the failure log of ${clientId}`);
  const line = logs.find((l) => l.msg === 'handler failed, closing connection' && l.clientId === clientId);
  assert.deepEqual([line?.apiKey, line?.apiVersion, line?.correlationId], [apiKey, apiVersion, correlationId]);
}

test('JoinGroup whose call into the group throws: that connection closes, the group starts over, the broker serves on', async () => {
  const bystander = await RawClient.connect(bootstrap);
  const c = await RawClient.connect(bootstrap);
  const id = send(c, JoinGroup, 3, joinRequest('g-sync-fault'), 'sync-fault');
  assert.equal(await c.waitClosed(), true, 'the failing connection stays open');
  await failureLogged('sync-fault', id, JoinGroup.key, 3);
  assert.ok(logs.some((l) => l.msg.startsWith('group failed') && l.group === 'g-sync-fault' && l.task === 'join'));
  // Another client's connection opened before the failure still works.
  send(bystander, ApiVersions, 0, () => undefined, 'bystander');
  assert.equal((await bystander.receive(ApiVersions, 0)).body.errorCode, ErrorCode.NONE);
  bystander.close();
  await stillServes();

  // The group itself is usable again.
  const again = await RawClient.connect(bootstrap);
  send(again, JoinGroup, 3, joinRequest('g-sync-fault'), 'rejoin');
  const joined = await again.receive(JoinGroup, 3);
  again.close();
  assert.equal(joined.body.errorCode, ErrorCode.NONE);
  assert.equal(joined.body.generationId, 1);
});

test('the rebalance timer throws: the waiting JoinGroup fails and closes, no unhandled error reaches the process', async () => {
  const c = await RawClient.connect(bootstrap);
  const id = send(c, JoinGroup, 3, joinRequest('g-timer-fault'), 'timer-fault');
  assert.equal(await c.waitClosed(), true, 'the waiting connection stays open');
  await failureLogged('timer-fault', id, JoinGroup.key, 3);
  assert.ok(logs.some((l) => l.msg.startsWith('group failed') && l.group === 'g-timer-fault' && l.task === 'initial rebalance delay'));
  await stillServes();
});

test('LeaveGroup throws synchronously: that connection closes and the broker serves on', async () => {
  const member = await RawClient.connect(bootstrap);
  send(member, JoinGroup, 3, joinRequest('g-leave-fault'), 'leaver');
  const joined = await member.receive(JoinGroup, 3);
  assert.equal(joined.body.errorCode, ErrorCode.NONE);
  const id = send(member, LeaveGroup, 1, (q) => { q.groupId = 'g-leave-fault'; q.memberId = joined.body.memberId; }, 'leaver');
  assert.equal(await member.waitClosed(), true);
  await failureLogged('leaver', id, LeaveGroup.key, 1);
  await stillServes();
});
