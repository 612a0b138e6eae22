#!/usr/bin/env node
// Entry point. Node >= 22.18 runs the TypeScript sources directly by stripping types; an older node
// re-runs this command under Node 24 (see scripts/node24.js).
import module from 'node:module';
import { ensureCapableNode } from '../scripts/node24.js';

// Node's compile cache (os.tmpdir()/node-compile-cache) keeps every module's type-stripped source and
// compiled code on disk, so a start after the first neither compiles the sources again nor loads Node's
// TypeScript stripper, a WebAssembly module that holds about 18 MB in every thread that strips. Put in
// the environment too, so that the processor's worker threads and the processes `buzzline start` spawns
// use it: `buzzline consume` starts about 45 MB smaller (docs/processor.md).
function enableCompileCache() {
  const { directory } = module.enableCompileCache?.() ?? {};
  if (directory !== undefined && process.env.NODE_COMPILE_CACHE === undefined) process.env.NODE_COMPILE_CACHE = directory;
}

if (ensureCapableNode()) {
  enableCompileCache();
  await import('../src/cli/main.ts');
}
