//! Team server sync: the `sync/*` commands and the panel's logic. Status (what is pending each way, last push and
//! pull, last error) works everywhere; connecting, pushing and pulling move this machine's own store, so they exist
//! only in the desktop app (over IPC). The token is never entered here: the connection names where it comes from.

import { mutationOptions, useMutation, useQuery, type QueryClient } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, transport, type AuditEntry, type InputOf, type SyncStatus } from '../../lib/transport';

export const syncStatus = () => command('sync/status', null);
export const syncConnect = (input: InputOf<'sync/connect'>) => command('sync/connect', input);
export const syncPush = () => command('sync/push', null);
export const syncPull = () => command('sync/pull', null);
export const auditList = (input: InputOf<'audit/list'>) => command('audit/list', input);

/** Query keys, all under `['sync', …]`. */
export const syncKeys = {
  all: ['sync'] as const,
  status: () => [...syncKeys.all, 'status'] as const,
  audit: (limit: number) => [...syncKeys.all, 'audit', limit] as const,
};

/** A transfer changes what is pending, and pulled records change every list. */
function refreshAll(client: QueryClient): Promise<unknown> {
  return client.invalidateQueries();
}

export const connectMutation = mutationOptions({
  mutationFn: (input: InputOf<'sync/connect'>) => typed(() => syncConnect(input)),
  onSuccess: (_out, _input, _result, { client }) => client.invalidateQueries({ queryKey: syncKeys.all }),
});
export const pushMutation = mutationOptions({
  mutationFn: () => typed(syncPush),
  onSettled: (_out, _err, _input, _result, { client }) => refreshAll(client),
});
export const pullMutation = mutationOptions({
  mutationFn: () => typed(syncPull),
  onSettled: (_out, _err, _input, _result, { client }) => refreshAll(client),
});

export const useSyncStatus = () => useQuery({ queryKey: syncKeys.status(), queryFn: () => typed(syncStatus) });
export const useAudit = (limit: number) =>
  useQuery({ queryKey: syncKeys.audit(limit), queryFn: () => typed(() => auditList({ user: null, operation: null, limit })) });
export const useConnect = () => useMutation(connectMutation);
export const usePush = () => useMutation(pushMutation);
export const usePull = () => useMutation(pullMutation);

/** Whether this UI can move its store (connect, push, pull): only inside the desktop app. */
export function canSync(kind: 'http' | 'tauri' = transport().kind): boolean {
  return kind === 'tauri';
}

export const SYNC_CLI_HINT = 'browser-ai-mlops sync connect URL --token-ref env:NAME';

/** What the panel says about a connection in one line. */
export function summary(s: SyncStatus): string {
  if (!s.connection) return 'Not connected to a team server.';
  const pending = s.pending_records + s.pending_points;
  const waiting =
    pending === 0 ? 'nothing waiting to be pushed' : `${s.pending_records} records and ${s.pending_points} metric points to push`;
  return `Connected to ${s.connection.server_url} as ${s.connection.host}: ${waiting}.`;
}

/** A problem with the connect form's fields, or null when it can be sent. */
export function connectProblem(url: string, tokenRef: string): string | null {
  if (!/^https?:\/\/[^/\s]+/.test(url.trim())) return 'The server URL starts with http:// or https:// and names a host.';
  if (/^https?:\/\/[^/]*@/.test(url.trim())) return 'No credentials in the URL: give the token by reference.';
  if (!/^(env|keychain):[A-Za-z0-9_.@-]+$/.test(tokenRef.trim())) return 'The token reference is env:NAME or keychain:NAME.';
  return null;
}

/** One audit entry in words: who did what to what, and how it ended when it did not succeed. */
export function auditLine(e: AuditEntry): string {
  const what = e.subject === '' ? e.operation : `${e.operation} (${e.subject})`;
  const ended = e.outcome === 'ok' ? '' : ` — failed: ${e.outcome}`;
  return `${e.user_name} (${e.role}) ${what}${ended}`;
}
