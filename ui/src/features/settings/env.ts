//! The environment the UI is looking at (config pages read and edit it); `null` = the server's active one.
//! Shared by Settings and A/B tests, kept for the browser tab.

import { useSyncExternalStore } from 'react';

const KEY = 'browser-ai-mlops.env';
const listeners = new Set<() => void>();

function read(): string | null {
  try {
    return globalThis.sessionStorage?.getItem(KEY) ?? null;
  } catch {
    return null;
  }
}

export function selectEnv(env: string | null): void {
  if (env) globalThis.sessionStorage?.setItem(KEY, env);
  else globalThis.sessionStorage?.removeItem(KEY);
  for (const l of listeners) l();
}

export function useSelectedEnv(): string | null {
  return useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    read,
  );
}
