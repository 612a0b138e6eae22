// Builds the dashboard page with Vite when src/dashboard/web/dist is missing or older than its sources,
// so browser tests always run against the current page.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { WEB_DIST } from '../../src/dashboard/server.ts';

const WEB_SRC = path.dirname(path.resolve(WEB_DIST));
const SHARED = [path.resolve(WEB_SRC, '../views.ts'), path.resolve(WEB_SRC, '../case-store.ts')];

function newestSource(): number {
  let newest = 0;
  for (const name of fs.readdirSync(WEB_SRC)) {
    if (/\.(ts|html|css|json)$/.test(name)) newest = Math.max(newest, fs.statSync(path.join(WEB_SRC, name)).mtimeMs);
  }
  for (const file of SHARED) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  return newest;
}

export async function ensureWebBuild(): Promise<void> {
  const index = path.join(WEB_DIST, 'index.html');
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= newestSource()) return;
  await build({ configFile: path.join(WEB_SRC, 'vite.config.ts'), logLevel: 'warn' });
}
