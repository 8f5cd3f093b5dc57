//! Launch an evaluation from the Evaluations page (real `evals/launch` on the server, real Chromium): the live
//! progress follows the job's event stream — the attempt shows as running, then the job finishes — and the
//! evaluation it links to holds exactly the attempt the API reports.

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EvaluationResults, JobInfo } from '../src/bindings';
import { api, apiStream, openApp, type App } from './browser';

const seed = inject('seed');
const TASK = 'dyn-delayed-offer';
let app: App;

beforeAll(async () => {
  app = await openApp();
});
afterAll(async () => {
  await app.close();
});

describe('evaluations: launch and watch', () => {
  it('launches one task, shows it running, and finishes with the stored result', async () => {
    const { page } = app;
    await app.goto('#/evals');
    const form = page.getByRole('form', { name: 'Launch an evaluation' });
    await form.getByLabel('Model version').fill(seed.versions[1]);
    await form.getByLabel('Task ids (optional)').fill(TASK);
    await form.getByLabel('Concurrency').fill('1');

    await form.getByRole('button', { name: 'Launch' }).click();
    const launch = page.getByRole('region', { name: 'Launch' });
    await launch.getByText(/^Job /).waitFor();
    await launch.getByText(`running: ${TASK}#1`).waitFor({ timeout: 60_000 });
    await app.shot('evaluations-running');

    await launch.locator('.badge', { hasText: 'finished' }).waitFor({ timeout: 120_000 });
    const line = await launch.getByText(/attempts ·/).textContent();
    expect(line).toMatch(/^1 \/ 1 attempts · (\d) passed · (\d) failed/);
    expect(await launch.locator('progress').getAttribute('value')).toBe('1');
    // The job list and the recent evaluations refresh by themselves once the stream ends.
    const jobs = page.getByRole('region', { name: 'Jobs on this server' });
    await jobs.locator('li').first().locator('.badge', { hasText: 'finished' }).waitFor();
    expect(await jobs.locator('li').first().textContent()).toContain('1/1 attempts');
    const evalHref = await launch.getByRole('link', { name: /^evaluation / }).getAttribute('href');
    const newId = decodeURIComponent(evalHref?.split('#/evals/')[1] ?? '');
    await page.getByRole('region', { name: 'Recent evaluations' }).getByRole('row', { name: `Open evaluation ${newId.slice(-8)}` }).waitFor();
    await app.shot('evaluations-finished');

    const link = launch.getByRole('link', { name: /^evaluation / });
    await link.click();
    const id = decodeURIComponent(page.url().split('#/evals/')[1] ?? '');
    expect(id).not.toBe('');
    const r = await api<EvaluationResults>('evals/results', { id });
    expect(r.summary.evaluation.status).toBe('finished');
    expect(r.results.map((x) => x.task_id)).toEqual([TASK]);
    const passed = Number(/(\d) passed/.exec(line ?? '')?.[1]);
    expect(passed).toBe(r.results[0]?.success ? 1 : 0);
    const results = page.getByRole('region', { name: 'Results' });
    await results.locator('tbody tr').first().waitFor();
    expect(await results.locator('tbody tr').first().textContent()).toContain(r.results[0]?.success ? 'pass' : 'fail');

    // The same job over the HTTP API: `evals/jobs` (unary, `{}`) lists it; `evals/watch` (SSE) replays its events
    // as StreamMessages and ends with `done` carrying the final JobInfo.
    const jobList = await api<JobInfo[]>('evals/jobs', {});
    const job = jobList.find((j) => j.evaluation_id === id);
    expect(job?.state).toBe('finished');
    const watched = await apiStream('evals/watch', { job_id: job?.job_id });
    expect(watched.events.at(-1)).toBe('done');
    expect(watched.events.slice(0, -1).every((e) => e === 'event')).toBe(true);
    expect(watched.messages.map((m) => m.type)).toEqual(watched.events);
    expect((watched.messages.at(-1)?.data as JobInfo).job_id).toBe(job?.job_id);
    expect(watched.messages.some((m) => (m.data as { type?: string }).type === 'finished')).toBe(true);
  });
});
