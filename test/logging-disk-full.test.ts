// A broker whose log file sits on a full disk keeps answering; lines that could not be written are
// dropped and counted, and once space returns it logs again, starting with one notice. The disk is a 1 MiB
// tmpfs (the tests run as root).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { ErrorCode } from '../src/protocol/error-codes.ts';
import { ApiVersions } from '../src/protocol/messages/18-api-versions.ts';
import { LogSink } from '../src/logging.ts';
import { startBroker, tempDir } from './helpers/broker.ts';
import { RawClient } from './helpers/raw-client.ts';

async function badFrameAndApiVersions(bootstrap: string): Promise<void> {
  const bad = await RawClient.connect(bootstrap);
  bad.writeRaw(Buffer.from([0xff, 0xff, 0xff, 0xff])); // logged as an invalid frame size
  assert.equal(await bad.waitClosed(), true);
  const c = await RawClient.connect(bootstrap);
  c.send(ApiVersions, 0, ApiVersions.request.zero());
  assert.equal((await c.receive(ApiVersions, 0)).body.errorCode, ErrorCode.NONE);
  c.close();
}

test('log disk full: the broker keeps answering, then logs again with a notice of what was dropped', async () => {
  const mnt = tempDir('buzzline-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  try {
    const file = path.join(mnt, 'broker.log');
    const fd = fs.openSync(file, 'a');
    const sink = new LogSink(fd);
    const tb = await startBroker({ logger: pino({ level: 'info' }, sink) });
    try {
      await badFrameAndApiVersions(tb.bootstrap);
      // Fill the disk, the log file's last page included (tmpfs allocates by the page).
      const size = fs.statSync(file).size;
      fs.appendFileSync(file, ' '.repeat(8192 - (size % 4096) - 1) + '\n');
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${path.join(mnt, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
      } catch {
        // dd stops with ENOSPC, as intended
      }
      const before = fs.statSync(file).size;
      for (let i = 0; i < 5; i++) await badFrameAndApiVersions(tb.bootstrap);
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(sink.dropped >= 5, `dropped ${sink.dropped}`);
      assert.ok(fs.statSync(file).size - before < 4096);

      fs.rmSync(path.join(mnt, 'filler'));
      await badFrameAndApiVersions(tb.bootstrap);
      await new Promise((r) => setTimeout(r, 100));
      const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      const notices = lines.filter((l) => l.msg === 'log lines dropped while the log could not be written');
      assert.equal(notices.length, 1);
      assert.ok((notices[0]?.dropped as number) >= 5);
      assert.equal(lines.at(-1)?.msg, 'invalid frame size, closing connection');
      assert.equal(sink.dropped, 0);
    } finally {
      await tb.stop();
      await new Promise((r) => setTimeout(r, 50));
      fs.closeSync(fd);
    }
  } finally {
    execFileSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
});
