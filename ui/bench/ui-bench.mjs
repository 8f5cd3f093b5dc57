#!/usr/bin/env node
// UI performance bench (issue 5 §5): seeds a temporary data dir with 100k runs and 10 runs × 10k metric points through
// the real CLI, serves the built UI with `browser-ai-mlops serve --bind 127.0.0.1:0 --ui-dir ui/dist`, drives real
// Chromium (playwright-core, /usr/bin/chromium, headless, fresh user-data-dir) and prints figures — it asserts nothing.
//
//   node ui/bench/ui-bench.mjs [--bin PATH] [--runs 100000] [--points 10000] [--overlay-runs 10] [--loads 10]
//                              [--reps 10] [--reuse DIR] [--keep] [--only table|chart]
//
// Measured in the page: runs page load (full navigation and in-app hash navigation) until the first page of rows is
// in the DOM, split into boot (until the search request starts), API (request start → response end, Resource Timing)
// and render (response end → rows); server-side sort, filter and page jumps; the compare page's overlay chart (its
// User Timing measure: build + downsample + setOption → ECharts `finished`) for each sampling strategy.

import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir, loadavg, cpus } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { seed, seeded, serve } from './seed.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const SAMPLINGS = ['none', 'echarts-lttb', 'minmax', 'lttb'];

function parseArgs(argv) {
  const target = process.env.CARGO_TARGET_DIR || join(process.env.HOME || '/root', '.cache/browser-ai-mlops/target');
  const o = { bin: join(target, 'release/browser-ai-mlops'), runs: 100_000, points: 10_000, overlayRuns: 10, loads: 10,
    reps: 10, reuse: null, keep: false, only: null, uiDir: resolve(HERE, '../dist') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = () => {
      const v = Number(val());
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a}: expected a positive integer`);
      return v;
    };
    if (a === '--bin') o.bin = val();
    else if (a === '--runs') o.runs = int();
    else if (a === '--points') o.points = int();
    else if (a === '--overlay-runs') o.overlayRuns = int();
    else if (a === '--loads') o.loads = int();
    else if (a === '--reps') o.reps = int();
    else if (a === '--reuse') o.reuse = resolve(val());
    else if (a === '--keep') o.keep = true;
    else if (a === '--only') {
      o.only = val();
      if (!['table', 'chart'].includes(o.only)) throw new Error('--only: expected table or chart');
    }
    else if (a === '--ui-dir') o.uiDir = resolve(val());
    else throw new Error(`unknown argument ${a} (see the header of ${fileURLToPath(import.meta.url)})`);
  }
  if (!existsSync(o.bin)) throw new Error(`${o.bin} not found: cargo build --release --bin browser-ai-mlops (or --bin PATH)`);
  if (!existsSync(join(o.uiDir, 'index.html'))) throw new Error(`${o.uiDir}/index.html not found: cd ui && npm run build`);
  return o;
}

/** Nearest-rank percentile of a list of numbers. */
function pct(values, q) {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.max(0, Math.ceil(q * s.length) - 1)] : NaN;
}
const fmt = (v) => (Number.isFinite(v) ? v.toFixed(1) : '—');
const rows = [];
function record(what, values, note = '') {
  rows.push({ what, n: values.length, p50: pct(values, 0.5), p95: pct(values, 0.95), max: Math.max(...values), note });
  console.error(`  ${what}: median ${fmt(pct(values, 0.5))} ms (n=${values.length})`);
}

// In-page helpers, installed before any page script runs.
const INIT = () => {
  window.__firstRowAt = null;
  window.__firstRowText = () => document.querySelector('.vt-row[aria-rowindex="2"]:not(.placeholder)')?.textContent ?? null;
  window.__countText = () =>
    [...document.querySelectorAll('.muted')].find((e) => / runs · /.test(e.textContent ?? ''))?.textContent ?? null;
  /** The runs table shows the current query's rows (not the previous query's, kept while it loads). */
  window.__settled = () => window.__firstRowText() !== null && !/updating/.test(window.__countText() ?? 'updating');
  new MutationObserver((_, obs) => {
    if (document.querySelector('.vt-row:not(.placeholder)')) {
      window.__firstRowAt = performance.now();
      obs.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
  /** Run `act`, resolve with ms until `done()` holds after a DOM change, plus the API requests started meanwhile. */
  window.__timeUntil = (act, done, timeoutMs = 30_000) =>
    new Promise((resolveP, rejectP) => {
      const t0 = performance.now();
      const finish = () => {
        obs.disconnect();
        clearTimeout(timer);
        const t1 = performance.now();
        const api = performance
          .getEntriesByType('resource')
          .filter((e) => e.name.includes('/api/v1/run_search/') && e.startTime >= t0 && e.responseEnd <= t1);
        const last = api.reduce((m, e) => Math.max(m, e.responseEnd), t0);
        resolveP({ total: t1 - t0, api: api.reduce((m, e) => Math.max(m, e.responseEnd - e.startTime), 0), render: t1 - last });
      };
      const obs = new MutationObserver(() => done() && finish());
      const timer = setTimeout(() => {
        obs.disconnect();
        rejectP(new Error('timed out'));
      }, timeoutMs);
      obs.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true });
      act();
    });
};

async function runsPage(page, base, o) {
  console.error(`runs page: ${o.loads} full loads, ${o.loads} in-app navigations`);
  const full = { total: [], boot: [], api: [], render: [] };
  for (let i = 0; i < o.loads; i++) {
    await page.goto('about:blank');
    await page.goto(`${base}/#/runs`);
    await page.waitForSelector('.vt-row:not(.placeholder)', { timeout: 30_000 });
    const t = await page.evaluate(() => {
      const s = performance.getEntriesByType('resource').find((e) => e.name.includes('/api/v1/run_search/search'));
      return { first: window.__firstRowAt, start: s?.startTime ?? NaN, end: s?.responseEnd ?? NaN };
    });
    full.total.push(t.first);
    full.boot.push(t.start);
    full.api.push(t.end - t.start);
    full.render.push(t.first - t.end);
  }
  record('runs page, full load → first rows', full.total, 'navigation start → rows in DOM');
  record('  boot (HTML+JS until search starts)', full.boot);
  record('  API run_search/search (200 rows)', full.api, 'request start → response end');
  record('  render (response → rows)', full.render);

  const hash = { total: [], api: [], render: [] };
  for (let i = 0; i < o.loads; i++) {
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.waitForTimeout(500); // let the overview's requests settle
    const t = await page.evaluate(() =>
      window.__timeUntil(() => (window.location.hash = '#/runs'), () => !!document.querySelector('.vt-row:not(.placeholder)')),
    );
    hash.total.push(t.total);
    hash.api.push(t.api);
    hash.render.push(t.render);
  }
  record('runs page, in-app navigation → first rows', hash.total, 'hash change → rows in DOM');
  record('  API run_search/search', hash.api);
  record('  render', hash.render);
}

async function sortFilterPage(page, o) {
  console.error('runs page: server-side sort, filter, page jumps');
  await page.waitForSelector('.vt-row:not(.placeholder)');
  const header = (text) => page.locator('.vt-head button', { hasText: new RegExp(`^${text.replace(/[()]/g, '\\$&')}( [▲▼])?$`) });
  for (const [label, col] of [['sort by name', 'Run'], ['sort by metric success_rate', 'success_rate'], ['sort by start time', 'Started (UTC)']]) {
    const times = { total: [], api: [] };
    for (let i = 0; i < o.reps; i++) {
      const sel = await header(col).first().elementHandle({ timeout: 10_000 });
      if (!sel) throw new Error(`no sortable column ${col}`);
      const t = await page.evaluate((btn) => {
        const before = window.__firstRowText();
        return window.__timeUntil(() => btn.click(), () => window.__settled() && window.__firstRowText() !== before);
      }, sel);
      times.total.push(t.total);
      times.api.push(t.api);
    }
    record(label, times.total, `API ${fmt(pct(times.api, 0.5))} ms median`);
  }
  // Ends on the empty filter, so the page jumps below run over every run.
  const filters = ["metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o'", "tags.env = 'production' and status = 'finished'", ''];
  const filterTimes = { total: [], api: [] };
  const reps = Math.ceil(o.reps / filters.length) * filters.length;
  for (let i = 0; i < reps; i++) {
    await page.fill('input[aria-label="Filter expression"]', filters[i % filters.length]);
    const t = await page.evaluate(() => {
      const before = window.__countText();
      return window.__timeUntil(
        () => document.querySelector('form.row button[type="submit"]').click(),
        () => window.__settled() && window.__countText() !== before,
      );
    });
    filterTimes.total.push(t.total);
    filterTimes.api.push(t.api);
  }
  record('filter (3 expressions in turn)', filterTimes.total, `API ${fmt(pct(filterTimes.api, 0.5))} ms median`);

  const jumps = { total: [], api: [] };
  for (let i = 0; i < o.reps; i++) {
    const t = await page.evaluate((k) => {
      const vt = document.querySelector('.vt');
      const rowCount = Number(vt.getAttribute('aria-rowcount')) - 1;
      const target = Math.floor(((k * 7919) % 97) / 97 * (rowCount - 100)) + 50;
      const loaded = () => {
        const r = [...document.querySelectorAll('.vt-row')];
        const idx = r.map((e) => Number(e.getAttribute('aria-rowindex')) - 2);
        return !document.querySelector('.vt-row.placeholder') && idx.some((x) => Math.abs(x - target) < 5);
      };
      return window.__timeUntil(() => (vt.scrollTop = target * 32), loaded);
    }, i + 1);
    jumps.total.push(t.total);
    jumps.api.push(t.api);
  }
  record('page jump (scroll to a far row)', jumps.total, `API ${fmt(pct(jumps.api, 0.5))} ms median`);
}

async function overlayChart(page, base, manifest, o) {
  const url = `${base}/#/compare?runs=${manifest.overlayIds.join(',')}`;
  console.error(`overlay chart: ${manifest.overlayIds.length} runs × ${manifest.points} points, ${o.reps} loads per strategy`);
  for (const sampling of SAMPLINGS) {
    const times = [];
    const builds = [];
    const loads = [];
    const api = [];
    const lib = [];
    let shown = '';
    await page.goto(`${base}/#/`);
    await page.evaluate((s) => localStorage.setItem('browser-ai-mlops.chart-sampling', s), sampling);
    for (let i = 0; i < o.reps; i++) {
      await page.goto('about:blank');
      await page.goto(url);
      const m = await page.waitForFunction(
        () => {
          const r = performance.getEntriesByName('metric-chart:loss', 'measure')[0];
          const b = performance.getEntriesByName('metric-chart-build:loss', 'measure')[0];
          const h = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/runs/metric_history'));
          const l = performance.getEntriesByName('echarts-load', 'measure')[0];
          // The render measure starts before ECharts is loaded (a lazy chunk): report the load separately.
          const overlap = l && r ? Math.max(0, l.startTime + l.duration - Math.max(l.startTime, r.startTime)) : 0;
          return r && b
            ? { render: r.duration - overlap, load: overlap, build: b.duration, drawnAt: r.startTime + r.duration, api: Math.max(...h.map((e) => e.responseEnd)) - Math.min(...h.map((e) => e.startTime)) }
            : null;
        },
        null,
        { timeout: 60_000, polling: 50 },
      );
      const v = await m.jsonValue();
      times.push(v.render);
      builds.push(v.build);
      loads.push(v.drawnAt);
      api.push(v.api);
      lib.push(v.load);
      shown = await page.evaluate(() => document.body.innerText.match(/downsampled from [^·]*/)?.[0]?.trim() ?? 'every point drawn');
    }
    record(`overlay chart render, sampling=${sampling}`, times, `build → finished, ECharts load excluded; build+downsample ${fmt(pct(builds, 0.5))} ms; ${shown}`);
    record(`  compare page load → chart drawn`, loads, `histories API ${fmt(pct(api, 0.5))} ms, ECharts chunk ${fmt(pct(lib, 0.5))} ms (medians)`);
    if (sampling === 'lttb' || sampling === 'minmax') await liveToggle(page, o);
  }
  await page.evaluate(() => localStorage.removeItem('browser-ai-mlops.chart-sampling'));
}

/** On the loaded compare page: "show all points" / "downsample" re-render the live chart (setOption → finished). */
async function liveToggle(page, o) {
  const times = { 'show all points': [], downsample: [] };
  for (let i = 0; i < o.reps; i++) {
    for (const name of Object.keys(times)) {
      const n = await page.evaluate(() => performance.getEntriesByName('metric-chart:loss', 'measure').length);
      await page.getByRole('button', { name, exact: true }).click();
      const h = await page.waitForFunction(
        (k) => performance.getEntriesByName('metric-chart:loss', 'measure')[k]?.duration ?? null,
        n,
        { timeout: 60_000, polling: 20 },
      );
      times[name].push(await h.jsonValue());
    }
  }
  record('  live chart: all points (toggle)', times['show all points'], 'setOption → finished on the open chart');
  record('  live chart: downsampled again (toggle)', times.downsample);
  // Wheel-zoom into the chart (ECharts' inside data zoom), then back out: once the zoom settles (120 ms) the series
  // are thinned again for the window — measured from that build to `finished`.
  const box = await page.locator('.chart').first().boundingBox();
  const zoomIn = [];
  const zoomOut = [];
  let note = '';
  for (let i = 0; i < o.reps && box; i++) {
    for (const [dy, into] of [[-600, zoomIn], [6000, zoomOut]]) {
      const n = await page.evaluate(() => performance.getEntriesByName('metric-chart:loss', 'measure').length);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, dy);
      const h = await page.waitForFunction(
        (k) => performance.getEntriesByName('metric-chart:loss', 'measure')[k]?.duration ?? null,
        n,
        { timeout: 60_000, polling: 20 },
      );
      into.push(await h.jsonValue());
      if (dy < 0) note = await page.evaluate(() => document.body.innerText.match(/zoomed to steps [^·]*/)?.[0]?.trim() ?? 'no zoom note');
    }
  }
  record('  live chart: wheel zoom in, re-thinned', zoomIn, note);
  record('  live chart: zoom back out', zoomOut);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const load0 = loadavg();
  console.error(`machine: ${cpus().length} cores, load average ${load0.map((l) => l.toFixed(2)).join(' ')}`);
  const work = mkdtempSync(join(tmpdir(), 'ui-bench-'));
  const root = o.reuse ?? join(work, 'seed');
  let manifest = o.reuse ? seeded(root) : null;
  if (!manifest) {
    console.error(`seeding ${o.runs} runs and ${o.overlayRuns} × ${o.points} metric points in ${root}…`);
    manifest = await seed(o.bin, root, { runs: o.runs, overlayRuns: o.overlayRuns, points: o.points });
  } else console.error(`reusing ${root} (seeded earlier)`);
  const server = await serve(o.bin, root, o.uiDir);
  console.error(`serving ${server.base}`);
  let ctx = null;
  // Interrupted: still stop the server and the browser this bench started.
  for (const sig of ['SIGINT', 'SIGTERM'])
    process.once(sig, () => {
      console.error(`ui-bench: ${sig}, stopping`);
      Promise.allSettled([server.stop(), ctx?.close()]).then(() => process.exit(130));
    });
  ctx = await chromium.launchPersistentContext(join(work, 'chromium-profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  try {
    await ctx.addInitScript(INIT);
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    if (o.only !== 'chart') {
      await runsPage(page, server.base, o);
      await sortFilterPage(page, o);
    }
    if (o.only !== 'table') await overlayChart(page, server.base, manifest, o);
  } finally {
    await ctx.close();
    await server.stop();
    // The browser profile always lives in `work`; the seed too unless it was --reuse'd from elsewhere.
    if (!o.keep) rmSync(work, { recursive: true, force: true });
    else console.error(`kept ${work}`);
  }
  const load1 = loadavg();
  console.log(`\nUI bench — ${manifest.runs} runs; overlay ${manifest.overlayIds.length} × ${manifest.points} points`);
  console.log(`seeding: ${manifest.runs} runs ${fmt(manifest.seedRunsMs / 1000)} s (bench generator); ` +
    `${manifest.overlayIds.length} × ${manifest.points} points ${fmt(manifest.seedOverlayMs / 1000)} s (run start + log-batch + run end)`);
  console.log(`load average before ${load0.map((l) => l.toFixed(2)).join(' ')}, after ${load1.map((l) => l.toFixed(2)).join(' ')} (${cpus().length} cores)\n`);
  const w = Math.max(...rows.map((r) => r.what.length));
  console.log(`${'measure'.padEnd(w)} | ${'n'.padStart(3)} | ${'p50 ms'.padStart(8)} | ${'p95 ms'.padStart(8)} | ${'max ms'.padStart(8)} | note`);
  console.log(`${'-'.repeat(w)}-|-----|----------|----------|----------|-----`);
  for (const r of rows)
    console.log(`${r.what.padEnd(w)} | ${String(r.n).padStart(3)} | ${fmt(r.p50).padStart(8)} | ${fmt(r.p95).padStart(8)} | ${fmt(r.max).padStart(8)} | ${r.note}`);
}

main().catch((e) => {
  console.error(`ui-bench: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
