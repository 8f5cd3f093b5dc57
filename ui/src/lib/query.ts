//! The data-fetching layer: `useQuery` runs a command and tracks loading/error/data; `useMutation` runs a command
//! on demand and then invalidates queries by key prefix (so a deploy refreshes the history). Features build their
//! one-hook-per-command APIs on these.

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { CommandError, type ApiError } from './transport';

export type QueryState<T> =
  | { status: 'loading'; data: undefined; error: undefined }
  | { status: 'error'; data: undefined; error: ApiError }
  | { status: 'ok'; data: T; error: undefined };

/** Any rejection as the typed error union (non-CommandErrors are client bugs, shown as Protocol errors). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof CommandError) return e.error;
  return { kind: 'Protocol', detail: { message: e instanceof Error ? e.message : String(e), status: 0 } };
}

// Invalidation: a version counter per key prefix; queries whose key starts with an invalidated prefix re-run.
let generation = 0;
const invalidated: [string, number][] = [];
const listeners = new Set<() => void>();

export function invalidate(prefix: string): void {
  generation += 1;
  invalidated.push([prefix, generation]);
  if (invalidated.length > 200) invalidated.shift();
  for (const l of listeners) l();
}

function versionOf(key: string): number {
  let v = 0;
  for (const [prefix, g] of invalidated) if (key.startsWith(prefix) && g > v) v = g;
  return v;
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/**
 * Run `fn` whenever `key` changes (or is invalidated); `key === null` = do not run (e.g. nothing selected yet).
 * The newest request wins: late answers to older keys are dropped.
 */
export function useQuery<T>(key: string | null, fn: () => Promise<T>): QueryState<T> & { reload: () => void } {
  const [state, setState] = useState<QueryState<T>>({ status: 'loading', data: undefined, error: undefined });
  const [tick, setTick] = useState(0);
  const version = useSyncExternalStore(subscribe, () => (key === null ? 0 : versionOf(key)));
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const lastKey = useRef<string | null>(null);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    // Re-running the same key (invalidation, retry) keeps showing the data while it refreshes; a new key does not.
    const sameKey = lastKey.current === key;
    lastKey.current = key;
    setState((s) => (sameKey && s.status === 'ok' ? s : { status: 'loading', data: undefined, error: undefined }));
    fnRef.current().then(
      (data) => live && setState({ status: 'ok', data, error: undefined }),
      (e: unknown) => live && setState({ status: 'error', data: undefined, error: toApiError(e) }),
    );
    return () => {
      live = false;
    };
  }, [key, version, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export interface Mutation<I, O> {
  run: (input: I) => Promise<O | undefined>;
  pending: boolean;
  error: ApiError | null;
  result: O | null;
  reset: () => void;
}

/** A command run on demand; on success every query whose key starts with one of `invalidates` re-runs. */
export function useMutation<I, O>(fn: (input: I) => Promise<O>, invalidates: string[] = []): Mutation<I, O> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<O | null>(null);
  const run = useCallback(
    async (input: I) => {
      setPending(true);
      setError(null);
      try {
        const out = await fn(input);
        setResult(out);
        for (const p of invalidates) invalidate(p);
        return out;
      } catch (e) {
        setError(toApiError(e));
        return undefined;
      } finally {
        setPending(false);
      }
    },
    [fn, invalidates.join('|')],
  );
  const reset = useCallback(() => {
    setError(null);
    setResult(null);
  }, []);
  return { run, pending, error, result, reset };
}
