#!/usr/bin/env node
// Entry point. Node.js >= 22.18 runs TypeScript by stripping types, so the CLI loads the sources directly.
import '../src/cli/main.ts';
