//! Vitest global setup of the e2e suite: a fresh data dir and config dir, the database seeded through the real CLI
//! (seed.ts), then `browser-ai-mlops serve --bind 127.0.0.1:0 --ui-dir ui/dist` with a token; the address is read
//! from serve's `listening on http://…` line. Tests get the URL, the token and the seed through `inject`.
//! Teardown stops the server with SIGTERM and removes the temporary dirs.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { Cli, cliBinary } from './cli';
import { seed, type Seed } from './seed';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    token: string;
    seed: Seed;
    artifactsDir: string;
    dataDir: string;
  }
}

const UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/m;

/** Start serve and resolve with its base URL once it printed the listening line. */
function startServe(cli: Cli, token: string): Promise<{ child: ChildProcess; baseUrl: string }> {
  const args = cli.args([
    'serve', '--bind', '127.0.0.1:0', '--ui-dir', join(UI_DIR, 'dist'), '--token', token, '--health-interval', '0',
  ]);
  const child = spawn(cli.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`e2e: serve printed no listening line in 30 s: ${out}${err}`)), 30_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = LISTENING.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ok({ child, baseUrl: m[1] });
      }
    });
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`e2e: serve exited with ${code} before listening: ${err.trim()}`));
    });
  });
}

export default async function setup(project: TestProject) {
  if (!existsSync(join(UI_DIR, 'dist', 'index.html')))
    throw new Error('e2e: ui/dist/index.html is missing; run `npm run build` first (`npm run e2e` does)');
  const bin = cliBinary();
  // BROWSER_AI_MLOPS_E2E_REUSE=<dir kept by an earlier run> skips seeding (while iterating on the tests only).
  const reuse = process.env.BROWSER_AI_MLOPS_E2E_REUSE;
  const work = reuse ?? mkdtempSync(join(tmpdir(), 'bam-e2e-'));
  const keep = Boolean(reuse || process.env.BROWSER_AI_MLOPS_E2E_KEEP);
  const cli = new Cli(bin, join(work, 'data'), join(work, 'config'));
  const artifactsDir = join(UI_DIR, 'e2e-artifacts');
  mkdirSync(artifactsDir, { recursive: true });

  let seeded: Seed;
  if (reuse) {
    seeded = JSON.parse(readFileSync(join(work, 'seed.json'), 'utf8')) as Seed;
  } else {
    const started = Date.now();
    seeded = await seed(cli, work);
    writeFileSync(join(work, 'seed.json'), JSON.stringify(seeded, null, 2));
    console.log(`e2e: seeded ${work} through the CLI in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  const token = randomBytes(24).toString('hex');
  const { child, baseUrl } = await startServe(cli, token);
  console.log(`e2e: serve listening on ${baseUrl}`);
  project.provide('baseUrl', baseUrl);
  project.provide('token', token);
  project.provide('seed', seeded);
  project.provide('artifactsDir', artifactsDir);
  project.provide('dataDir', cli.dataDir);

  return async () => {
    if (child.exitCode === null) {
      // serve shuts down cleanly on SIGTERM (jobs stopped, writer flushed); SIGKILL only if it hangs for 15 s.
      let timer: NodeJS.Timeout | undefined;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    if (!keep) rmSync(work, { recursive: true, force: true });
    else console.log(`e2e: kept ${work}`);
  };
}
