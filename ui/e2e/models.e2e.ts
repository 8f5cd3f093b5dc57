//! Models page: compare the two versions (success rate with its Wilson 95 % interval, runs, latency — each equal to
//! what `models/compare` returns) and deploy / roll back through the confirmation dialog, checking that the audit
//! history on screen and the API's history both record it. Uses its own alias (`e2e-canary`) so the seeded
//! production/staging aliases other tests read stay put.

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Comparison, EvaluationResults, HistoryOutput } from '../src/bindings';
import { api, openApp, type App } from './browser';
import { percent, wilson95 } from './expect';

const seed = inject('seed');
const CANARY = 'e2e-canary';
let app: App;

beforeAll(async () => {
  app = await openApp();
});
afterAll(async () => {
  await app.close();
});

/** The cells of the comparison table's row labelled `label`, one per version. */
async function compareRow(label: string): Promise<string[]> {
  const row = app.page.getByRole('region', { name: 'Compare versions' }).locator('tbody tr').filter({
    has: app.page.locator('td:first-child', { hasText: new RegExp(`^${label.replace(/[()%]/g, '\\$&')}$`) }),
  });
  const cells = await row.locator('td').allTextContents();
  return cells.slice(1);
}

describe('models', () => {
  it('compares two versions with success rate, CI and performance equal to the API', async () => {
    const { page } = app;
    await app.goto(`#/models/${seed.model}`);
    for (const v of seed.versions) await page.getByLabel(`compare ${v}`).check();
    const region = page.getByRole('region', { name: 'Compare versions' });
    await region.getByRole('img', { name: /Success rate per version/ }).waitFor();
    const cmp = await api<Comparison>('models/compare', { references: [...seed.versions] });
    const perf = cmp.columns.map((c) => c.performance);
    expect(perf.every((p) => p !== null && p.success_rate !== null)).toBe(true);

    expect(await compareRow('Success rate')).toEqual(perf.map((p) => percent(p?.success_rate ?? NaN)));
    expect(await compareRow('Runs')).toEqual(perf.map((p) => String(p?.runs)));
    const cis = await compareRow('95% CI (Wilson)');
    cis.forEach((text, i) => {
      const p = perf[i]!;
      const [low, high] = wilson95(p.success_rate ?? NaN, p.success_runs);
      expect(text).toBe(`${percent(low)} – ${percent(high)}`);
    });
    // Version 1's linked runs are exactly its seeded evaluation's attempts: the UI's interval equals the backend's.
    const evalA = await api<EvaluationResults>('evals/results', { id: seed.evalA });
    if (perf[0]?.runs === evalA.results.length) {
      const r = evalA.summary.success_rate;
      expect(cis[0]).toBe(`${percent(r?.low ?? NaN)} – ${percent(r?.high ?? NaN)}`);
    }
    const diff = region.locator('tr.changed');
    expect(await diff.first().textContent()).toContain('extra_params');
    await app.shot('models-compare');
  });

  it('deploys and rolls back through the confirmation dialog; the audit history updates', async () => {
    const { page } = app;
    await app.goto(`#/models/${seed.model}`);
    const versions = page.getByRole('region', { name: 'Versions' });
    await versions.getByLabel('Target alias').fill(CANARY);
    await versions.getByLabel('Reason (kept in the audit log)').fill('e2e canary');
    const history = page.getByRole('region', { name: 'Deployment history' });
    const rowsBefore = (await api<HistoryOutput>('models/history', { model: seed.model, target: null })).deployments.length;

    // Cancelling changes nothing.
    const deployV2 = versions.getByRole('row').filter({ hasText: seed.versions[1] }).getByRole('button', { name: `Deploy to ${CANARY}` });
    await deployV2.click();
    const dialog = page.getByRole('dialog', { name: 'Deploy?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain(`Point ${seed.model}@${CANARY} at ${seed.versions[1]}?`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await api<HistoryOutput>('models/history', { model: seed.model, target: null })).deployments.length).toBe(rowsBefore);

    // Deploy v2, then v1, to the canary alias.
    for (const ref of [seed.versions[1], seed.versions[0]]) {
      await versions.getByRole('row').filter({ hasText: ref }).getByRole('button', { name: `Deploy to ${CANARY}` }).click();
      await dialog.getByRole('button', { name: 'Deploy' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await history.locator('tbody tr').first().filter({ hasText: `${seed.model}@${CANARY}` }).filter({ hasText: `→ ${ref}` }).waitFor();
    }
    const firstRow = history.locator('tbody tr').first();
    expect(await firstRow.textContent()).toContain(`${seed.versions[1]} → ${seed.versions[0]}`);
    expect(await firstRow.textContent()).toContain('e2e canary');
    await app.shot('models-deployed');

    // Roll back: the alias returns to v2, recorded as a rollback.
    await versions.getByRole('button', { name: `Roll back ${CANARY}` }).click();
    const rb = page.getByRole('dialog', { name: 'Roll back?' });
    await rb.waitFor();
    await rb.getByRole('button', { name: 'Roll back' }).click();
    await rb.waitFor({ state: 'hidden' });
    await history.locator('tbody tr').first().filter({ hasText: 'rollback' }).waitFor();
    expect(await history.locator('tbody tr').first().textContent()).toContain(`${seed.versions[0]} → ${seed.versions[1]}`);

    const h = await api<HistoryOutput>('models/history', { model: seed.model, target: CANARY });
    expect(h.deployments.map((d) => [d.action, d.from_reference, d.to_reference])).toEqual([
      ['rollback', seed.versions[0], seed.versions[1]],
      ['deploy', seed.versions[1], seed.versions[0]],
      ['deploy', null, seed.versions[1]],
    ]);
    expect(await history.locator('tbody tr').count()).toBe(rowsBefore + 3);
    const v2Row = versions.getByRole('row').filter({ hasText: seed.versions[1] });
    expect(await v2Row.textContent()).toContain(CANARY);
    await app.shot('models-rolled-back');
  });
});
