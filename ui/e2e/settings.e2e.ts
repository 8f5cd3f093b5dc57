//! Settings: a config edit with a bad value is refused with the backend's own message shown inline (and the file is
//! left as it was); an environment whose file holds an invalid value shows the problem at its file:line:column,
//! and an edit of that environment is refused naming the same file:line.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiError, openApp, type App } from './browser';

const seed = inject('seed');
let app: App;

beforeAll(async () => {
  app = await openApp();
});
afterAll(async () => {
  await app.close();
});

describe('settings: config edits and validation errors', () => {
  it('an out-of-range value is refused with the backend message inline; nothing is written', async () => {
    const { page } = app;
    const file = join(seed.brokenFile, '..', 'development.yaml');
    const before = readFileSync(file, 'utf8');
    await app.goto('#/settings');
    const editor = page.getByRole('region', { name: 'Set a value' });
    await editor.getByLabel('Key', { exact: true }).fill('llm.temperature');
    await editor.getByLabel(/^Value/).fill('7');
    await editor.getByRole('button', { name: 'Set' }).click();
    const alert = editor.getByRole('alert');
    await alert.waitFor();
    const expected = await apiError('config/set', { env: 'development', key: 'llm.temperature', value: '7' });
    expect(expected.kind).toBe('Input');
    expect(await alert.locator('pre').textContent()).toBe(expected.message);
    expect(await alert.textContent()).toContain('Invalid input');
    expect(expected.message).toMatch(/llm\.temperature/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    await app.shot('settings-bad-value');
  });

  it("an environment with a bad value in its file shows the problem at file:line, and edits name it", async () => {
    const { page } = app;
    await app.goto('#/settings');
    await page.getByRole('radiogroup', { name: 'Environment' }).getByRole('radio', { name: new RegExp(`^${seed.brokenEnv}`) }).click();
    const problems = page.getByRole('list', { name: 'Config problems' });
    await problems.waitFor();
    const text = (await problems.textContent()) ?? '';
    expect(text).toContain(`${seed.brokenFile}:${seed.brokenLine}:`);
    expect(text).toContain('llm.temperature');
    // The flags cannot be loaded from an invalid file: the page says so and what to do instead of a raw error.
    await page.getByRole('region', { name: 'Feature flags' }).getByText('Flags cannot be read while this environment is invalid').waitFor();
    await app.shot('settings-file-problem');

    const before = readFileSync(seed.brokenFile, 'utf8');
    const editor = page.getByRole('region', { name: 'Set a value' });
    await editor.getByLabel('Key', { exact: true }).fill('llm.max_tokens');
    await editor.getByLabel(/^Value/).fill('256');
    await editor.getByRole('button', { name: 'Set' }).click();
    const alert = editor.getByRole('alert');
    await alert.waitFor();
    const expected = await apiError('config/set', { env: seed.brokenEnv, key: 'llm.max_tokens', value: '256' });
    expect(await alert.locator('pre').textContent()).toBe(expected.message);
    expect(expected.message).toContain(`${seed.brokenFile}:${seed.brokenLine}:`);
    expect(readFileSync(seed.brokenFile, 'utf8')).toBe(before);
    await app.shot('settings-edit-refused');
  });
});
