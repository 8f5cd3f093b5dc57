// UI bench, part 1: seed a data dir through the real product and start `browser-ai-mlops serve` on it.
// - 100k runs: `browser-ai-mlops bench --points 0 --runs N --searches 1 --keep --json` (the tracker's own generator:
//   20 experiments, 3 params, 2 tags, 3 metric summaries per run, written in 2 000-run transactions, then ANALYZE);
//   its kept `search/` dir becomes the bench's data dir.
// - 10 runs × 10k points: `experiment create`, `run start` ×10, one `run log-batch` JSONL file, `run end` ×10.
// A seeded dir holds `ui-bench-seed.json` (what was seeded and how long it took) so `--reuse DIR` can skip seeding.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const MANIFEST = 'ui-bench-seed.json';

/** Run the CLI, resolve with stdout; reject with stderr on a non-zero exit. */
export function cli(bin, args, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      if (!quiet) process.stderr.write(`  | ${d}`);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${err.trim()}`)),
    );
  });
}

const dirArgs = (root) => ['--data-dir', join(root, 'data'), '--config-dir', join(root, 'config')];

/** Seed `root` (created) with `runs` runs and `overlayRuns` × `points` metric points; returns the manifest. */
export async function seed(bin, root, { runs, overlayRuns, points }) {
  const t0 = performance.now();
  const report = JSON.parse(await cli(bin, ['--json', 'bench', '--points', '0', '--runs', String(runs), '--searches', '1', '--keep'], { quiet: true }));
  if (!report.kept_dir) throw new Error('bench did not report its kept directory');
  rmSync(root, { recursive: true, force: true });
  renameSync(join(report.kept_dir, 'search'), root);
  rmSync(report.kept_dir, { recursive: true, force: true });
  const runsMs = performance.now() - t0;

  const t1 = performance.now();
  const d = dirArgs(root);
  await cli(bin, [...d, 'experiment', 'create', 'overlay-bench', '--description', 'UI bench: 10 runs x 10k points']);
  const ids = [];
  for (let r = 0; r < overlayRuns; r++) {
    const run = JSON.parse(await cli(bin, [...d, '--json', 'run', 'start', '--experiment', 'overlay-bench', '--name', `overlay-${r}`]));
    ids.push(run.id);
  }
  const lines = [];
  for (const [r, id] of ids.entries()) {
    let s = 12345 + r;
    for (let step = 0; step < points; step++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      const value = 2 * Math.exp(-step / (2000 + 300 * r)) + 0.1 + (s / 2147483648 - 0.5) * 0.15;
      lines.push(JSON.stringify({ type: 'metric', run: id, key: 'loss', value, step }));
    }
  }
  const file = join(root, 'overlay.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  await cli(bin, [...d, 'run', 'log-batch', '--file', file]);
  rmSync(file);
  for (const id of ids) await cli(bin, [...d, 'run', 'end', id]);
  const overlayMs = performance.now() - t1;

  const manifest = { runs, overlayRuns, points, overlayIds: ids, seedRunsMs: runsMs, seedOverlayMs: overlayMs };
  writeFileSync(join(root, MANIFEST), JSON.stringify(manifest, null, 2));
  return manifest;
}

/** The manifest of an already seeded dir, or null. */
export function seeded(root) {
  const p = join(root, MANIFEST);
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null;
}

/** Start `serve` on a free loopback port; resolves `{ base, stop }` once it prints its address. */
export function serve(bin, root, uiDir) {
  mkdirSync(join(root, 'config'), { recursive: true });
  const child = spawn(bin, [...dirArgs(root), 'serve', '--bind', '127.0.0.1:0', '--no-auth', '--ui-dir', uiDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`serve exited ${code} before listening: ${err.trim()}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ base: m[1], stop });
    });
  });
}
