//! The data layer's shared pieces on TanStack Query: the app's one QueryClient (made by `createQueryClient`, mounted
//! in main.tsx), its retry policy, and the typed error. Every query and mutation rejects with the `ApiError` union
//! (registered below as TanStack's default error type), so `query.error` / `mutation.error` are typed everywhere.
//! Features own their query keys (arrays, one small key factory per feature) and their hooks in `features/*/api.ts`;
//! every backend call still goes through `command(name, input)` (or the transport's eval-job calls).

import { QueryClient } from '@tanstack/react-query';
import { CommandError, isServerErrorKind, type ApiError } from './transport';

declare module '@tanstack/react-query' {
  interface Register {
    defaultError: ApiError;
  }
}

/** Whether `e` already is the typed error union (what a query or mutation rejected with). */
export function isApiError(e: unknown): e is ApiError {
  if (!e || typeof e !== 'object' || !('kind' in e) || !('detail' in e)) return false;
  const { kind, detail } = e as { kind: unknown; detail: unknown };
  const known = isServerErrorKind(kind) || kind === 'Network' || kind === 'Protocol';
  return known && !!detail && typeof detail === 'object' && typeof (detail as { message?: unknown }).message === 'string';
}

/** Any rejection as the typed error union (non-CommandErrors are client bugs, shown as Protocol errors). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof CommandError) return e.error;
  if (isApiError(e)) return e;
  return { kind: 'Protocol', detail: { message: e instanceof Error ? e.message : String(e), status: 0 } };
}

/** Run a backend call so that it rejects with the `ApiError` itself (the error TanStack hands to components). */
export async function typed<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw toApiError(e);
  }
}

/**
 * Errors that say the request itself is wrong or not allowed: asking again gives the same answer, so never retry.
 * (Input, NotFound and Unauthorized above all; Conflict, BadRequest and PayloadTooLarge are just as deterministic.)
 */
const DETERMINISTIC: ReadonlySet<ApiError['kind']> = new Set<ApiError['kind']>([
  'Input',
  'NotFound',
  'Unauthorized',
  'Forbidden',
  'Conflict',
  'BadRequest',
  'PayloadTooLarge',
]);

/** Retry a failed query once, and only for errors that may pass (Network, Unavailable, Failed, Protocol). */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 1) return false;
  return !(isApiError(error) && DETERMINISTIC.has(error.kind));
}

/** How long fetched data counts as fresh (see `createQueryClient`). */
export const STALE_MS = 5_000;

/**
 * The app's QueryClient. The backend is local (IPC in the desktop app, a local `serve` in a browser), so:
 * - `staleTime` 5 s: components mounting together (and StrictMode's double mount) share one fetch, while opening a
 *   page again a few seconds later re-reads what the CLI or a running evaluation may have changed meanwhile;
 * - no refetch on window focus: switching windows in a desktop app happens all the time and would re-run every
 *   query on the page (health alone takes about a second); pages that must stay live poll with `refetchInterval`;
 * - `networkMode: 'always'`: the backend is on this machine, so "the browser is offline" must not pause queries;
 * - retry at most once, never for deterministic errors (`shouldRetry`); mutations never retry (not idempotent).
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: STALE_MS,
        refetchOnWindowFocus: false,
        networkMode: 'always',
        retry: shouldRetry,
      },
      mutations: {
        networkMode: 'always',
        retry: false,
      },
    },
  });
}
