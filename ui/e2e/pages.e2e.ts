//! Every page renders the seeded data: overview, runs table and run detail (metric chart, conversation/action
//! timeline, an evaluation run's screenshot), models, evaluations (results and the paired comparison), A/B tests,
//! monitoring (typed health gauges, alerts, errors and resolving one) and settings. Each test compares what is on
//! screen with the seed or with the API's answer, and saves a screenshot of the page.

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { api, apiError, openApp, type App } from './browser';
import { percent, short } from './expect';
import type { ErrorList, EvaluationComparison, EvaluationResults, HealthOutput, RunTimeline } from '../src/bindings';

const seed = inject('seed');
let app: App;

beforeAll(async () => {
  app = await openApp();
});
afterAll(async () => {
  await app.close();
});

describe('pages render the seeded data', () => {
  it('overview: deployed versions, recent evaluations with their success rates, health gauges', async () => {
    const { page } = app;
    await app.goto('#/');
    const deployed = page.getByRole('region', { name: 'Deployed versions' });
    const row = deployed.getByRole('row').filter({ hasText: seed.model });
    await expect.poll(() => row.textContent()).toContain(seed.versions[0]);
    const cells = await row.getByRole('cell').allTextContents();
    const heads = await deployed.getByRole('columnheader').allTextContents();
    expect(cells[heads.indexOf('production')]).toBe(seed.versions[0]);
    expect(cells[heads.indexOf('staging')]).toBe(seed.versions[1]);

    const recent = page.getByRole('region', { name: 'Recent evaluations and trends' });
    for (const id of [seed.evalA, seed.evalB]) {
      const r = await api<EvaluationResults>('evals/results', { id });
      const line = recent.getByRole('row').filter({ hasText: short(id) });
      await expect.poll(() => line.count()).toBe(1);
      expect(await line.textContent()).toContain(percent(r.summary.success_rate?.estimate ?? NaN));
    }

    const health = page.getByRole('region', { name: 'Health' });
    await health.getByRole('group', { name: 'Disk gauge' }).waitFor();
    const h = await api<HealthOutput>('monitor/health', {});
    expect(await health.getByRole('group', { name: 'Disk gauge' }).textContent()).toContain(`on ${h.current.disk_path}`);
    expect(await health.getByRole('group', { name: 'CPU gauge' }).textContent()).toContain(`${h.current.cpu_count} cores`);
    await app.shot('overview');
  });

  it('runs: the table lists the sweep; Enter opens a run with its params, loss chart and timeline', async () => {
    const { page } = app;
    await app.goto('#/runs');
    const table = page.getByRole('table', { name: 'Runs' });
    for (const r of seed.runs) {
      const row = table.getByRole('row').filter({ hasText: r.name });
      await row.first().waitFor();
      expect(await row.first().textContent()).toContain(r.status);
    }
    await app.shot('runs');

    // Keyboard: focus the table, move to the sweep's first run and open it with Enter.
    const first = seed.runs[0]!;
    await table.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 50; i++) {
      const current = table.locator('[role="row"][aria-selected="true"]').first();
      if ((await current.textContent())?.includes(first.name)) break;
      await page.keyboard.press('ArrowDown');
    }
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/runs/${first.id}$`));
    await page.getByRole('heading', { level: 1, name: first.name }).waitFor();

    const params = page.getByRole('region', { name: 'Params' });
    expect(await params.textContent()).toContain(`learning_rate${first.lr}`);
    expect(await page.getByRole('region', { name: 'Tags' }).textContent()).toContain('sweepe2e');

    const chart = page.getByRole('img', { name: 'loss over steps, 25 points' });
    await chart.waitFor();
    // The canvas really has a drawn curve: count painted pixels.
    await expect
      .poll(() =>
        chart.evaluate((el) => {
          const c = el.querySelector('canvas');
          const ctx = c?.getContext('2d');
          if (!c || !ctx) return 0;
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          let painted = 0;
          for (let i = 3; i < d.length; i += 4) if ((d[i] ?? 0) > 0) painted++;
          return painted;
        }),
      )
      .toBeGreaterThan(500);

    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.waitFor();
    const items = await timeline.getByRole('listitem').allTextContents();
    expect(items.length).toBe(4);
    expect(items[0]).toContain(seed.timelineMessages[0]);
    expect(items[1]).toContain(seed.timelineMessages[1]);
    expect(items[2]).toMatch(/click → text=Sort by price/);
    expect(items[3]).toMatch(/failed/);
    expect(items[3]).toContain('element is covered by an overlay');
    await app.shot('run-detail');
  });

  it("run detail shows an evaluation attempt's screenshot from the artifact store", async () => {
    const { page } = app;
    await app.goto(`#/runs/${seed.screenshotRun}`);
    const timeline = await api<RunTimeline>('runs/timeline', { run_id: seed.screenshotRun });
    const shots = timeline.artifacts.filter((a) => a.mime === 'image/png');
    await expect.poll(() => page.locator('img.shot').count()).toBe(shots.length);
    // Every listed screenshot is on screen with its hash; the final one is the evaluation result's screenshot.
    const onScreen = await page.locator('img.shot').evaluateAll((els) => els.map((e) => e.getAttribute('data-hash')));
    expect(onScreen).toEqual(shots.map((a) => a.hash));
    const img = page.getByRole('img', { name: /^final screenshot at step/ });
    await img.waitFor();
    expect(await img.getAttribute('data-hash')).toBe(seed.screenshotHash);
    const size = await img.evaluate((el: HTMLImageElement) => (el.complete ? [el.naturalWidth, el.naturalHeight] : [0, 0]));
    expect(size[0]).toBeGreaterThan(100);
    expect(size[1]).toBeGreaterThan(100);
    await app.shot('run-detail-screenshot');

    // The same command over HTTP: an unknown hash is 404 NotFound, a malformed one 422 Input.
    const unknown = await apiError('runs/artifact', { hash: '0'.repeat(64) });
    expect([unknown.status, unknown.kind]).toEqual([404, 'NotFound']);
    const malformed = await apiError('runs/artifact', { hash: '../mlops.db' });
    expect([malformed.status, malformed.kind]).toEqual([422, 'Input']);
  });

  it('models: the registry lists the model with its aliases, and Enter on its row opens it', async () => {
    const { page } = app;
    await app.goto('#/models');
    const row = page.getByRole('row', { name: `Open model ${seed.model}` });
    await row.waitFor();
    const text = await row.textContent();
    expect(text).toContain('production → v1');
    expect(text).toContain('staging → v2');
    await app.shot('models');
    await row.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/models/${seed.model}$`));
    await page.getByRole('heading', { level: 1, name: `Models · ${seed.model}` }).waitFor();
    const versions = page.getByRole('region', { name: 'Versions' });
    for (const v of seed.versions) {
      const row = versions.getByRole('row').filter({ has: page.getByLabel(`compare ${v}`) });
      await row.waitFor();
      expect(await row.textContent()).toContain('baseline / baseline');
    }
  });

  it('evaluations: recent list, one evaluation with its tasks, and the paired comparison with McNemar p', async () => {
    const { page } = app;
    await app.goto('#/evals');
    const recent = page.getByRole('region', { name: 'Recent evaluations' });
    await recent.getByRole('row', { name: `Open evaluation ${short(seed.evalA)}` }).waitFor();
    await app.shot('evaluations');

    const compare = page.getByRole('region', { name: 'Compare two evaluations' });
    await compare.getByLabel('Evaluation A').fill(seed.evalA);
    await compare.getByLabel('Evaluation B').fill(seed.evalB);
    await compare.getByRole('button', { name: 'Compare' }).click();
    const c = await api<EvaluationComparison>('evals/compare', { a: seed.evalA, b: seed.evalB });
    expect(c.p_value).not.toBeNull();
    const kv = compare.locator('dl.kv');
    await kv.waitFor();
    const p = c.p_value ?? NaN;
    expect(await kv.textContent()).toContain(
      `McNemar p-value (exact, majority per task)${p < 0.001 ? '< 0.001' : p.toFixed(3)}`,
    );
    expect(await kv.textContent()).toContain(`Pass rate A${percent(c.pass_rate_a ?? NaN)}`);
    // The paired difference with its bootstrap interval, in signed points.
    const d = c.paired_difference;
    expect(d).not.toBeNull();
    const pts = (x: number | null) => (x == null ? '?' : `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`);
    expect(await kv.textContent()).toContain(
      `Difference B − A (95% CI, paired bootstrap)${pts(d?.estimate ?? null)} pts [${pts(d?.low ?? null)}, ${pts(d?.high ?? null)}]`,
    );
    const taskRows = compare.locator('table tbody tr');
    expect(await taskRows.count()).toBe(c.tasks.length);
    await app.shot('evaluations-compare');

    await recent.getByRole('row', { name: `Open evaluation ${short(seed.evalA)}` }).click();
    await page.waitForURL(new RegExp(`#/evals/${seed.evalA}$`));
    const r = await api<EvaluationResults>('evals/results', { id: seed.evalA });
    const results = page.getByRole('region', { name: 'Results' });
    await results.locator('tbody tr').first().waitFor();
    expect(await results.locator('tbody tr').count()).toBe(r.results.length);
    for (const t of r.results) expect(await results.textContent()).toContain(t.task_id);
    const rate = r.summary.success_rate;
    expect(await results.locator('dl.kv').textContent()).toContain(
      `${percent(rate?.estimate ?? NaN)} (95% CI ${percent(rate?.low ?? NaN)}–${percent(rate?.high ?? NaN)})`,
    );
    // Each attempt's final screenshot loads on demand.
    await results.getByRole('button', { name: 'Show screenshot' }).first().click();
    await results.locator('img.shot').first().waitFor();
    await app.shot('evaluation-results');
  });

  it('A/B tests: the environment config test is listed with its variants', async () => {
    const { page } = app;
    await app.goto('#/abtests');
    await page.getByRole('heading', { level: 1, name: /A\/B tests/ }).waitFor();
    const models = page.getByLabel('Model version');
    await expect.poll(() => models.count()).toBe(2);
    expect([await models.nth(0).inputValue(), await models.nth(1).inputValue()]).toEqual([
      `${seed.model}@production`,
      `${seed.model}@staging`,
    ]);
    const shares = page.getByLabel('Traffic share');
    expect([await shares.nth(0).inputValue(), await shares.nth(1).inputValue()]).toEqual(['0.5', '0.5']);
    await app.shot('abtests');
  });

  it('monitoring: typed gauges, the fired alert, the recorded error, and resolving it', async () => {
    const { page } = app;
    await app.goto('#/monitoring');
    await page.getByRole('group', { name: 'Memory gauge' }).waitFor();
    const latest = page.getByTestId('latest-stored');
    await latest.waitFor();

    const alerts = page.getByRole('table', { name: 'Alerts' });
    const alertRow = alerts.getByRole('row').filter({ hasText: seed.alertRule });
    await alertRow.first().waitFor();
    expect(await alertRow.first().textContent()).toMatch(/critical/);

    const errors = page.getByRole('table', { name: 'Errors' });
    const errRow = errors.getByRole('row').filter({ hasText: seed.errorMessage });
    await errRow.first().waitFor();
    expect(await errRow.first().textContent()).toContain('task_exception');
    await app.shot('monitoring');

    const before = await api<ErrorList>('monitor/errors', {});
    const target = before.errors.find((e) => e.message === seed.errorMessage);
    expect(target?.resolved).toBe(false);
    await errRow.first().getByRole('button', { name: /^Resolve error/ }).click();
    await errRow.first().getByText(/^resolved /).waitFor();
    const after = await api<ErrorList>('monitor/errors', {});
    expect(after.errors.find((e) => e.id === target?.id)?.resolved).toBe(true);
    await app.shot('monitoring-resolved');
  });

  it('settings: environments with their validity, flags of the active one', async () => {
    const { page } = app;
    await app.goto('#/settings');
    const envs = page.getByRole('radiogroup', { name: 'Environment' });
    await envs.getByRole('radio').first().waitFor();
    const names = await envs.getByRole('radio').allTextContents();
    expect(names.some((n) => n.startsWith('development (active)'))).toBe(true);
    expect(names.find((n) => n.startsWith(seed.brokenEnv))).toMatch(/1 errors/);
    expect(await page.getByRole('region', { name: 'Validation' }).textContent()).toMatch(/valid/);
    await page.getByRole('region', { name: 'Feature flags' }).getByRole('checkbox').first().waitFor();
    await app.shot('settings');
  });
});
