// Preloaded into benchmarked child processes (`node --import bench/rss-probe.ts ...`): on exit, writes
// the process's peak resident set (VmHWM, kB) to $BENCH_RSS_FILE, so a process that ends on its own (the
// producer after --count) still reports its peak. Exit handlers run on process.exit() and after SIGTERM
// handled by buzzline's shutdown hook; a SIGKILLed process reports nothing.
import fs from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) fs.writeFileSync(file, m[1] ?? '');
  });
}
