// Regenerates the README's pictures of the dashboard: `npm run screenshot` writes docs/dashboard.png
// (1440 px wide) and docs/dashboard-mobile.png (390x844), both the whole page.
//
// It runs what `npm start` runs, in one process: the embedded broker (port 0, a temporary data
// directory), the simulator at 20 tx/s with a fixed seed and a high fraud rate, the stream processor and the dashboard, then
// opens the page in Debian's chromium and waits until the charts, the alert feed, the case queue, the
// notifications and the lag table have data, and two minutes for the amount chart to build up; the top
// case of the queue is opened in the case view; the pictures show its `all` range (the whole
// run) on the logarithmic axis, where a rare large deposit does not flatten every other line. Windows close half a second after their end (instead of the default 5 s) so the newest data
// shows within the run. Everything it started is stopped before it exits.
//
//   npm run screenshot                          about 2 min
//   SCREENSHOT_SECONDS=300 npm run screenshot   a longer line chart
//   SCREENSHOT_RANGE=5m npm run screenshot      another range of the amount chart (5m, 1h, all)
//   CHROMIUM=/path/to/chrome npm run screenshot
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Admin } from '@platformatic/kafka';
import pino from 'pino';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { TOPICS } from '../src/bank/transaction.ts';
import { Broker } from '../src/broker/server.ts';
import { startDashboard } from '../src/dashboard/server.ts';
import { resolveConfig } from '../src/processor/config.ts';
import { PROCESSOR_DEFAULTS, runProcessor } from '../src/processor/consumer.ts';
import { resolveProducerConfig } from '../src/producer/config.ts';
import { runProducer } from '../src/producer/producer.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PARTITIONS = 3;
const SECONDS = Number(process.env.SCREENSHOT_SECONDS ?? 120);
const RANGE = process.env.SCREENSHOT_RANGE ?? 'all';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = [
  { file: 'docs/dashboard.png', viewport: { width: 1440, height: 900 }, fullPage: true },
  { file: 'docs/dashboard-mobile.png', viewport: { width: 390, height: 844 }, fullPage: true },
];
const silent = pino({ level: 'silent' });

// Polls an expression in the page (the page's CSP refuses playwright's waitForFunction, which compiles
// its predicate in the page; evaluate goes through the debugger).
async function waitInPage(page: Page, expression: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`the page did not show ${expression} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  await build({ configFile: path.join(ROOT, 'src/dashboard/web/vite.config.ts'), logLevel: 'warn' });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'buzzline-screenshot-'));
  const stop = new AbortController();
  const cleanups: Array<() => Promise<unknown>> = [async () => fs.rmSync(dataDir, { recursive: true, force: true })];
  try {
    const broker = await Broker.start({ host: '127.0.0.1', port: 0, dataDir, defaultPartitions: PARTITIONS, groupInitialRebalanceDelayMs: 0, logger: silent });
    cleanups.unshift(() => broker.close());
    const admin = new Admin({ clientId: 'buzzline-screenshot', bootstrapBrokers: [broker.bootstrap] });
    await admin.createTopics({ topics: [TOPICS.transactions], partitions: PARTITIONS, replicas: 1 });
    await admin.close();

    const dashboard = await startDashboard({ brokers: [broker.bootstrap], port: 0, clusterPollMs: 1000 });
    cleanups.unshift(() => dashboard.close());
    const processing = runProcessor(
      { ...PROCESSOR_DEFAULTS, brokers: [broker.bootstrap], config: resolveConfig({ overrides: ['latenessMs=500'] }), logFile: '/dev/null', consoleAlerts: false },
      stop.signal,
      { logger: silent, console: undefined },
    );
    // 2,000 incidents per 1,000 customers a year (100 times the default): at 600x a few incidents a
    // minute, so that the picture shows a case queue; the default level would show hardly any fraud in
    // two minutes, and the demo level (one incident every 30 s of bank time) dozens a second at 600x.
    // The bank opens at 08:00 today (UTC, the bank's time): customers keep hours, and a bank started at
    // the wall clock's hour in the night made a few transactions a second, not enough for the pictures.
    const today = new Date();
    const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 8)).toISOString();
    const producerConfig = resolveProducerConfig({ brokers: broker.bootstrap, accounts: '1000', speed: '600', seed: 'readme', start, fraudRate: '2000', logFile: '/dev/null', logLevel: 'silent', bankState: path.join(dataDir, 'bank.json') }, {});
    const producing = runProducer(producerConfig, stop.signal, { logger: silent, report: () => undefined });
    cleanups.unshift(async () => {
      stop.abort();
      await Promise.all([processing, producing]);
    });

    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    cleanups.unshift(() => browser.close());
    const page = await browser.newPage({ viewport: SHOTS[0]?.viewport ?? { width: 1440, height: 900 } });
    await page.goto(dashboard.url);
    const started = Date.now();
    await page.click(`#range-${RANGE}`);
    await page.click('#scale-log');
    await waitInPage(page, `document.querySelector('#alerts-body tr:not(.empty)') !== null && document.querySelector('#lag-body tr:not(.empty)') !== null && Number(document.body.dataset.points ?? 0) >= 5`, 60_000);
    await new Promise((r) => setTimeout(r, Math.max(0, SECONDS * 1000 - (Date.now() - started))));
    await waitInPage(page, `document.querySelector('#cases-body button.case-link') !== null && document.querySelector('#notifications-body tr:not(.empty)') !== null`, 60_000);
    await page.click('#cases-body button.case-link');
    await waitInPage(page, `/^score /.test(document.getElementById('case-note').textContent) && document.querySelector('#case-tx-body tr') !== null`, 10_000);
    for (const shot of SHOTS) {
      await page.setViewportSize(shot.viewport);
      // Two frames: Chart.js redraws on the resize observer's callback, then the page paints.
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      await page.screenshot({ path: path.join(ROOT, shot.file), fullPage: shot.fullPage });
      console.log(`${shot.file}: ${shot.viewport.width}x${shot.viewport.height}, ${Math.round(fs.statSync(path.join(ROOT, shot.file)).size / 1024)} KiB`);
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error(`cleanup: ${(error as Error).message}`));
  }
}

await main();
