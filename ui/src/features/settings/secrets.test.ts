// API keys panel logic: rows from a status answer (state, tone, where, which rows the app may edit), the backends
// line, the early name check, and that editing is offered only inside the desktop app.
import { describe, expect, it } from 'vitest';
import type { SecretsStatusOutput } from '../../lib/transport';
import { backendsText, canEditKeys, keyRows, nameProblem } from './secrets';

function status(references: SecretsStatusOutput['references']): SecretsStatusOutput {
  return {
    env: 'development',
    service: 'browser-ai-mlops',
    backends: [
      { backend: 'secret_service', label: 'Secret Service', persistence: 'persistent until deleted' },
      { backend: 'keyutils', label: 'kernel keyutils keyring', persistence: 'lost at reboot' },
    ],
    references,
  };
}

const base = { source: null, backend: null, detail: null } as const;

describe('keyRows', () => {
  it('maps each state to its text and tone, and only keychain refs are editable', () => {
    const rows = keyRows(
      status([
        { ...base, reference: 'keychain:openai', kind: 'keychain', name: 'openai', used_by: 'llm.api_key', state: 'set', source: 'kernel keyutils keyring', backend: 'keyutils' },
        { ...base, reference: 'env:OPENAI_API_KEY', kind: 'env', name: 'OPENAI_API_KEY', used_by: 'llm.provider default (openai)', state: 'not_set' },
        { ...base, reference: 'keychain:gone', kind: 'keychain', name: 'gone', used_by: 'requested', state: 'unavailable', detail: 'no OS keychain is available' },
        { ...base, reference: 'keychain:a b', kind: 'keychain', name: 'a b', used_by: 'requested', state: 'invalid', detail: 'bad name' },
      ]),
    );
    expect(rows.map((r) => [r.state, r.tone, r.keychainName])).toEqual([
      ['set', 'ok', 'openai'],
      ['not set', 'warn', null],
      ['unavailable', 'bad', 'gone'],
      ['invalid', 'bad', null],
    ]);
    expect(rows[0]?.where).toBe('kernel keyutils keyring');
    expect(rows[1]?.where).toBe('set the environment variable OPENAI_API_KEY');
    expect(rows[2]?.where).toBe('no OS keychain is available');
  });

  it('a keychain ref that is simply missing says so', () => {
    const [row] = keyRows(
      status([{ ...base, reference: 'keychain:x', kind: 'keychain', name: 'x', used_by: 'llm.api_key', state: 'not_set' }]),
    );
    expect(row?.where).toBe('not in the keychain');
  });
});

describe('backendsText', () => {
  it('lists backends in the order consulted with their persistence', () => {
    expect(backendsText(status([]))).toBe(
      'Secret Service (persistent until deleted), then kernel keyutils keyring (lost at reboot)',
    );
    expect(backendsText({ ...status([]), backends: [] })).toMatch(/no OS keychain/);
  });
});

describe('nameProblem', () => {
  it('accepts names the backend accepts, with or without the prefix', () => {
    expect(nameProblem('openai')).toBeNull();
    expect(nameProblem('keychain:team.openai-prod@eu')).toBeNull();
  });
  it('refuses empty, spaced, slashed and overlong names', () => {
    for (const bad of ['', 'keychain:', 'has space', 'a/b', 'x'.repeat(129)]) expect(nameProblem(bad)).not.toBeNull();
  });
});

describe('canEditKeys', () => {
  it('only inside the desktop app', () => {
    expect(canEditKeys('tauri')).toBe(true);
    expect(canEditKeys('http')).toBe(false);
  });
});
