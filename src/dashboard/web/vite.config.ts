// Builds the dashboard page: `vite build --config src/dashboard/web/vite.config.ts` writes
// src/dashboard/web/dist, which the dashboard server serves as static files.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The Content-Security-Policy allows scripts, styles and images from 'self' only: nothing may be
    // inlined as a data: URI, and the module-preload polyfill (not needed by current browsers) is left out.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
});
