// Preloaded into benchmarked child processes (`node --import bench/rss-probe.js ...`): on exit, writes
// the process's peak resident set (VmHWM, kB) to $BENCH_RSS_FILE, so a process that ends on its own (the
// producer after --count) still reports its peak. Exit handlers run on process.exit() and after SIGTERM
// handled by buzzline's shutdown hook; a SIGKILLed process reports nothing.
//
// Plain JavaScript: a TypeScript preload would load Node's type stripper (about 18 MB) into the process
// it measures before buzzline's compile cache (bin/buzzline.js) could spare it that.
import fs from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (m) fs.writeFileSync(file, m[1] ?? '');
  });
}
