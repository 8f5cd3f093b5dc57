//! API keys: the `secrets/*` commands and the panel's logic. Status (which references the environment uses, set or
//! not, from where) works everywhere; storing and deleting a key exist only in the desktop app, where they go over
//! IPC to the OS keychain — the server never accepts a key over the network. No function here returns a value.

import { mutationOptions, useMutation, useQuery } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, transport, type ReferenceStatus, type SecretsStatusOutput } from '../../lib/transport';

export const secretsStatus = (env: string | null) => command('secrets/status', { env, names: null });
export const setSecret = (input: { name: string; value: string }) => command('secrets/set', input);
export const deleteSecret = (input: { name: string }) => command('secrets/delete', input);

/** Query keys, all under `['secrets', …]`; `env: null` = the server's active environment. */
export const secretKeys = {
  all: ['secrets'] as const,
  status: (env: string | null) => [...secretKeys.all, 'status', env] as const,
};

export const useSecretsStatus = (env: string | null) =>
  useQuery({ queryKey: secretKeys.status(env), queryFn: () => typed(() => secretsStatus(env)) });
/** Storing or deleting a key changes the status of every environment that references it. */
export const setSecretMutation = mutationOptions({
  mutationFn: (input: { name: string; value: string }) => typed(() => setSecret(input)),
  onSuccess: (_out, _input, _result, { client }) => client.invalidateQueries({ queryKey: secretKeys.all }),
});
export const deleteSecretMutation = mutationOptions({
  mutationFn: (input: { name: string }) => typed(() => deleteSecret(input)),
  onSuccess: (_out, _input, _result, { client }) => client.invalidateQueries({ queryKey: secretKeys.all }),
});
export const useSetSecret = () => useMutation(setSecretMutation);
export const useDeleteSecret = () => useMutation(deleteSecretMutation);

/** Whether keys can be stored/deleted from this UI: only inside the desktop app. */
export function canEditKeys(kind: 'http' | 'tauri' = transport().kind): boolean {
  return kind === 'tauri';
}

export const CLI_HINT = 'browser-ai-mlops secrets set NAME';

/** One row of the panel. */
export interface KeyRow {
  reference: string;
  usedBy: string;
  state: 'set' | 'not set' | 'unavailable' | 'invalid';
  tone: 'ok' | 'warn' | 'bad';
  /** Where the value comes from, or why it cannot be resolved. */
  where: string;
  /** A keychain entry the desktop app may set or delete (env: references are set in the environment). */
  keychainName: string | null;
}

const STATE_TEXT: Record<ReferenceStatus['state'], KeyRow['state']> = {
  set: 'set',
  not_set: 'not set',
  unavailable: 'unavailable',
  invalid: 'invalid',
};

function whereText(r: ReferenceStatus): string {
  if (r.state === 'set') return r.source ?? (r.kind === 'env' ? 'environment variable' : 'keychain');
  if (r.detail) return r.detail;
  return r.kind === 'env' ? `set the environment variable ${r.name}` : `not in the keychain`;
}

/** The panel's rows, in the order the backend listed the references. */
export function keyRows(status: SecretsStatusOutput): KeyRow[] {
  return status.references.map((r) => ({
    reference: r.reference,
    usedBy: r.used_by,
    state: STATE_TEXT[r.state],
    tone: r.state === 'set' ? 'ok' : r.state === 'not_set' ? 'warn' : 'bad',
    where: whereText(r),
    keychainName: r.kind === 'keychain' && r.state !== 'invalid' ? r.name : null,
  }));
}

/** The backends line: "Secret Service (D-Bus keyring), then kernel keyutils keyring" with the first's persistence. */
export function backendsText(status: SecretsStatusOutput): string {
  if (status.backends.length === 0) return 'no OS keychain in this build: use env:NAME references';
  return status.backends.map((b) => `${b.label} (${b.persistence})`).join(', then ');
}

const NAME = /^[A-Za-z0-9_.@-]{1,128}$/;

/** Why a typed entry name would be refused, or null (mirrors the backend's check so the form can say it early). */
export function nameProblem(name: string): string | null {
  const n = name.startsWith('keychain:') ? name.slice('keychain:'.length) : name;
  if (n === '') return 'enter an entry name';
  if (!NAME.test(n)) return 'use 1–128 letters, digits, _ - . @';
  return null;
}
