// Vite config for the Browser.AI MLOps UI: React, relative asset paths (served by `browser-ai-mlops serve --ui-dir`
// and later loaded by the Tauri shell), and Vitest running the logic tests under src/**/*.test.ts.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    // `npm run dev` forwards API calls to a local `browser-ai-mlops serve` on its default address.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
