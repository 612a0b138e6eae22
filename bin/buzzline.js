#!/usr/bin/env node
// Entry point. Node >= 22.18 runs the TypeScript sources directly by stripping types; an older node
// re-runs this command under Node 24 (see scripts/node24.js).
import { ensureCapableNode } from '../scripts/node24.js';

if (ensureCapableNode()) await import('../src/cli/main.ts');
