//! Real headless Chromium through playwright-core (the system's /usr/bin/chromium, a fresh user-data-dir per
//! launch, never a downloaded browser), a page opened on the served UI with the token already in sessionStorage,
//! a direct API client (to compare what the UI shows with what the API returns), and screenshots saved as artifacts.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { Operations } from '../src/bindings';

const CHROMIUM = process.env.CHROME ?? '/usr/bin/chromium';
const FLAGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface App {
  context: BrowserContext;
  page: Page;
  /** Load the app afresh at a hash route (`#/runs`) and wait for the shell. */
  goto(hash: string): Promise<void>;
  /** Save a full-page screenshot to ui/e2e-artifacts/<name>.png. */
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openApp(): Promise<App> {
  const baseUrl = inject('baseUrl');
  const token = inject('token');
  const profile = mkdtempSync(join(tmpdir(), 'bam-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
  });
  // The token the UI would ask for, put where the UI keeps it (only on http pages: about:blank has no storage).
  await context.addInitScript((t: string) => {
    if (window.location.protocol === 'http:') window.sessionStorage.setItem('browser-ai-mlops.token', t);
  }, token);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return {
    context,
    page,
    async goto(hash: string) {
      // A real load each time (not a same-document hash change), so one test's page state never leaks into the next.
      await page.goto('about:blank');
      await page.goto(`${baseUrl}/${hash}`);
      await page.locator('nav[aria-label="Main"]').waitFor();
    },
    async shot(name: string) {
      await page.screenshot({ path: join(inject('artifactsDir'), `${name}.png`), fullPage: true });
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      if (errors.length) throw new Error(`uncaught errors in the page: ${errors.join('; ')}`);
    },
  };
}

/** Call `POST /api/v1/<name>` directly with the token; throws on a non-2xx answer. */
export async function api<T>(name: keyof Operations, input: unknown): Promise<T> {
  const res = await fetch(`${inject('baseUrl')}/api/v1/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${inject('token')}` },
    body: JSON.stringify(input),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Like `api` but resolves with the error body of a non-2xx answer. */
export async function apiError(name: keyof Operations, input: unknown): Promise<{ status: number; kind: string; message: string }> {
  const res = await fetch(`${inject('baseUrl')}/api/v1/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${inject('token')}` },
    body: JSON.stringify(input),
  });
  const body = (await res.json()) as { kind: string; detail: { message: string } };
  if (res.ok) throw new Error(`${name}: expected an error, got HTTP ${res.status}`);
  return { status: res.status, kind: body.kind, message: body.detail.message };
}

/** Call a streaming operation over HTTP (`POST /api/v1/<name>`, SSE) and collect every StreamMessage it sends. */
export async function apiStream(
  name: keyof Operations,
  input: unknown,
): Promise<{ events: string[]; messages: { type: string; data: unknown }[] }> {
  const res = await fetch(`${inject('baseUrl')}/api/v1/${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', Authorization: `Bearer ${inject('token')}` },
    body: JSON.stringify(input),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}: ${text}`);
  const events: string[] = [];
  const messages: { type: string; data: unknown }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const lines = block.split(/\r?\n/);
    const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, ''));
    if (data.length === 0) continue;
    events.push(event ?? 'message');
    messages.push(JSON.parse(data.join('\n')) as { type: string; data: unknown });
  }
  return { events, messages };
}
