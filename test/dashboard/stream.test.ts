// The event stream over a real socket (port 0): snapshot first, then throttled updates, whatever the
// input rate.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { WindowAggregate } from '../../src/processor/aggregates.ts';
import { Hub } from '../../src/dashboard/hub.ts';
import { buildDashboard, CONTENT_SECURITY_POLICY } from '../../src/dashboard/server.ts';
import type { UpdateMessage } from '../../src/dashboard/views.ts';
import { T0, makeTestAlert, makeWindow, openStream, waitFor } from './helpers.ts';

async function serve(hub: Hub, t: TestContext) {
  const app = buildDashboard({ hub, staticDir: null });
  // Registered first so it runs even when an assertion fails: an open server would keep the run alive.
  t.after(async () => {
    await app.close();
    hub.close();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { app, port: address.port };
}

test('a client gets the current state as a snapshot, then only changes', async (t) => {
  const hub = new Hub();
  hub.addWindow(makeWindow(0, T0, [{ type: 'deposit', cents: 500 }]));
  hub.addAlert(makeTestAlert(1));
  const { port } = await serve(hub, t);
  const client = await openStream(port);
  t.after(() => client.close());
  assert.equal(client.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(client.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  const first = await waitFor('snapshot', () => client.messages[0]?.message);
  assert.equal(first.type, 'snapshot');
  assert.deepEqual(first.series.map((v) => [v.range, v.full, v.buckets.length]), [['5m', true, 1], ['1h', true, 1], ['all', true, 1]]);
  assert.deepEqual(first.series[0]?.buckets[0]?.byType, { deposit: { count: 1, sumCents: 500, maxCents: 500 } });
  assert.deepEqual(first.alerts.map((a) => a.id), ['tx-1:low_balance']);
  assert.equal(first.summary.totals.records, 1);

  hub.addWindow(makeWindow(1, T0, [{ type: 'withdraw', cents: 100 }]));
  hub.addAlert(makeTestAlert(2));
  const update = (await waitFor('update', () => client.messages.find((m) => m.message.type === 'update')?.message)) as UpdateMessage;
  // The one bucket that changed, in each range, now holding both partitions' transactions.
  assert.deepEqual(update.series.map((v) => [v.range, v.full, v.buckets.length]), [['5m', false, 1], ['1h', false, 1], ['all', false, 1]]);
  assert.deepEqual(update.series[0]?.buckets[0]?.byType, { deposit: { count: 1, sumCents: 500, maxCents: 500 }, withdraw: { count: 1, sumCents: 100, maxCents: 100 } });
  assert.deepEqual(update.alerts.map((a) => a.id), ['tx-2:low_balance']);
  assert.equal(update.summary.totals.records, 2);
  assert.equal(update.topics, null);

  // Nothing changes: nothing is sent.
  const count = client.messages.length;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(client.messages.length, count);
  assert.equal(hub.subscribers, 1);
  client.close();
  await waitFor('unsubscribe', () => hub.subscribers === 0);
});

test('under 100k windows and 100k alerts per second, clients get at most 10 updates a second', async (t) => {
  const hub = new Hub();
  // Push times at the source, free of socket and event-loop delivery jitter; subscribed first, so it is
  // called right when a push leaves the hub.
  const pushedAt: number[] = [];
  const unsubscribe = hub.subscribe(() => pushedAt.push(performance.now()));
  const { port } = await serve(hub, t);
  const clients = await Promise.all([openStream(port), openStream(port)]);
  t.after(() => {
    for (const c of clients) c.close();
  });
  await waitFor('snapshots', () => clients.every((c) => c.messages.length === 1));

  // Eight partitions reporting windows; every 8 windows the event time moves on one second, and every
  // window is sent twice (as a processor restart would), to exercise replacement at full rate. Each
  // 20 ms tick feeds whatever brings the total up to RATE times the elapsed time.
  const template = makeWindow(0, T0, [{ type: 'deposit', cents: 1_000 }, { type: 'withdraw', cents: 250, alerts: [['low_balance', 'HIGH']] }]);
  const alertTemplate = makeTestAlert(0);
  const RATE = 100_000;
  const DURATION_MS = 3_000;
  let windows = 0;
  let distinctRecords = 0;
  const started = performance.now();
  for (let elapsed = 0; elapsed < DURATION_MS; elapsed = performance.now() - started) {
    const target = Math.min(Math.round((RATE * elapsed) / 1000), RATE * (DURATION_MS / 1000));
    for (; windows < target; windows++) {
      const slot = Math.floor(windows / 2); // each window twice in a row
      const w: WindowAggregate = { ...template, partitions: [slot % 8], windowStartMs: T0 + Math.floor(slot / 8) * 1000 };
      hub.addWindow(w);
      if (windows % 2 === 0) distinctRecords += w.records;
      hub.addAlert({ ...alertTemplate, id: `tx-${windows}:low_balance`, transaction_id: `tx-${windows}` });
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const alerts = windows;
  const elapsedMs = performance.now() - started;
  const inputRate = windows / (elapsedMs / 1000);
  // Wait for the last push (it carries the final totals).
  await waitFor('final totals', () => clients.every((c) => c.messages.at(-1)?.message.summary.totals.records === distinctRecords));

  for (const client of clients) {
    const updates = client.messages.filter((m) => m.message.type === 'update');
    const times = updates.map((m) => m.at);
    let minGap = Number.POSITIVE_INFINITY;
    for (let i = 1; i < times.length; i++) minGap = Math.min(minGap, (times[i] as number) - (times[i - 1] as number));
    // Any one-second span holds at most 10 pushes (one more with delivery jitter at the span's edges).
    let maxPerSecond = 0;
    for (let i = 0; i < times.length; i++) {
      const inSpan = times.filter((x) => x >= (times[i] as number) && x < (times[i] as number) + 1000).length;
      maxPerSecond = Math.max(maxPerSecond, inSpan);
    }
    const perSecond = (updates.length - 1) / ((times.at(-1)! - times[0]!) / 1000);
    t.diagnostic(`input ${Math.round(inputRate)} windows/s + ${Math.round(inputRate)} alerts/s for ${Math.round(elapsedMs)} ms; ${updates.length} updates, ${perSecond.toFixed(1)}/s, max ${maxPerSecond} in any 1 s, min gap ${minGap.toFixed(1)} ms, largest ${Math.max(...updates.map((u) => JSON.stringify(u.message).length))} bytes`);
    // The feed keeps to RATE by wall clock; on a loaded machine (CI runs two test files at once) it may fall
    // behind, but it must stay a heavy load for the throttle to be tested at all: thousands of windows
    // for every push allowed.
    assert.ok(inputRate >= RATE / 4, `input rate ${inputRate}`);
    assert.ok(maxPerSecond <= 11, `max ${maxPerSecond} updates in one second`);
    // Over the whole span, as over any second: at most one more than 10 a second (delivery jitter at its
    // edges can bring two pushes 100 ms apart closer together, which a rate over few updates would magnify).
    const spanSeconds = (times.at(-1)! - times[0]!) / 1000;
    assert.ok(updates.length - 1 <= Math.ceil(10 * spanSeconds) + 1, `${updates.length} updates in ${spanSeconds.toFixed(2)} s (${perSecond.toFixed(1)}/s)`);
    // The hub keeps pushing under the load (not starved into silence until the load ends). How close it
    // stays to 10 a second depends on the machine's spare CPU (alone: 9-10; beside another test file on 2
    // cores: 1-3; on a machine loaded far beyond its cores: 0.4), which is a benchmark's business, not
    // this test's.
    const duringLoad = times.filter((x) => x < started + elapsedMs).length;
    assert.ok(duringLoad >= 2, `only ${duringLoad} updates while the load ran (${perSecond.toFixed(2)}/s overall)`);
    for (const u of updates) {
      const m = u.message as UpdateMessage;
      assert.ok(m.alerts.length <= 50);
      for (const v of m.series) assert.ok(v.buckets.length <= 150, `${v.range}: ${v.buckets.length} buckets`);
    }
    // Alerts not carried are counted, so the page can say so.
    const carried = updates.reduce((n, u) => n + (u.message as UpdateMessage).alerts.length + (u.message as UpdateMessage).droppedAlerts, 0);
    assert.equal(carried, alerts);
  }
  unsubscribe();
  let minPushGap = Number.POSITIVE_INFINITY;
  for (let i = 1; i < pushedAt.length; i++) minPushGap = Math.min(minPushGap, (pushedAt[i] as number) - (pushedAt[i - 1] as number));
  t.diagnostic(`${pushedAt.length} pushes at the hub, min gap ${minPushGap.toFixed(1)} ms`);
  // Date.now() has millisecond resolution, so a gap may measure a fraction of a millisecond short.
  assert.ok(minPushGap >= 99, `pushes ${minPushGap} ms apart`);
});

test('a client that stops reading is skipped, then resynchronised with one snapshot', async (t) => {
  const hub = new Hub();
  const { port } = await serve(hub, t);
  const slow = await openStream(port);
  t.after(() => slow.close());
  await waitFor('snapshot', () => slow.messages.length === 1);
  slow.pause();
  // Large updates (50 alerts with long explanations each) fill the socket buffers within seconds.
  const long = 'x'.repeat(3_000);
  let n = 0;
  const pushesAtStart = hub.pushes;
  const deadline = Date.now() + 4_000;
  while (Date.now() < deadline) {
    for (let i = 0; i < 60; i++) hub.addAlert(makeTestAlert(n++, { explanation: long }));
    await new Promise((r) => setTimeout(r, 100));
  }
  const pushed = hub.pushes - pushesAtStart;
  slow.resume();
  await waitFor('resynchronising snapshot', () => slow.messages.slice(1).some((m) => m.message.type === 'snapshot'), 10_000);
  await new Promise((r) => setTimeout(r, 300));
  const received = slow.messages.length - 1;
  t.diagnostic(`${pushed} pushes while paused, ${received} messages received after resuming`);
  assert.ok(received < pushed, `received ${received} of ${pushed}: nothing was skipped`);
  const resync = slow.messages.findLast((m) => m.message.type === 'snapshot');
  assert.ok(resync && resync.message.type === 'snapshot');
  // The snapshot carries the newest alerts, so the client is current again.
  assert.equal(resync.message.alerts[0]?.id, `tx-${n - 1}:low_balance`);
});
