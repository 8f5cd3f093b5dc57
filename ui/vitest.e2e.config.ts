// Vitest config of the UI end-to-end suite (`npm run e2e`): ui/e2e/*.e2e.ts against a real `browser-ai-mlops serve`
// on a database seeded through the real CLI (e2e/global-setup.ts), driving headless /usr/bin/chromium through
// playwright-core. One file at a time: they share the server and change its state (deploys, resolved errors).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // The UI loads data asynchronously on a busy machine: polled expectations wait up to 30 s (not vitest's 1 s).
    expect: { poll: { timeout: 30_000, interval: 100 } },
  },
});
