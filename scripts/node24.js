// buzzline runs its TypeScript sources directly with Node's type stripping (Node >= 22.18; the project
// targets Node 24 LTS). On an older system node, this re-runs the same command under Node 24 fetched by
// npx, so `npm install && npm start` and `npm test` work on a machine whose default node is older.
// Plain JavaScript on purpose: it must run on the old node too.
//
//   node scripts/node24.js <node args...>   run node with these args under a capable node
//   import { ensureCapableNode } from ...   re-exec the current process if needed (used by bin/buzzline.js)

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function canStripTypes(version = process.versions.node) {
  const [major, minor] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 18);
}

function run(command, args) {
  const child = spawn(command, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on('error', (err) => {
    console.error(`buzzline: cannot start ${command}: ${err.message}`);
    process.exit(1);
  });
}

// Runs `node ...args` on a node that can strip types.
export function runNode(args) {
  if (canStripTypes()) run(process.execPath, args);
  else run('npx', ['-y', '-p', 'node@24', '--', 'node', ...args]);
}

// Returns true when this process can go on; otherwise re-runs it under Node 24 and returns false.
export function ensureCapableNode() {
  if (canStripTypes()) return true;
  runNode([...process.execArgv, ...process.argv.slice(1)]);
  return false;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runNode(process.argv.slice(2));
