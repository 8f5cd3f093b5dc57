//! Settings: environment switcher (with each environment's validity), validation problems shown inline with
//! file:line:column from the backend, feature-flag toggles, and a value editor (`config set`) whose errors show
//! where they are. Secrets appear only as references (`env:…`, `keychain:…`), never values.

import { useState } from 'react';
import { Badge, Empty, ErrorBox, Loading, Section } from '../../../components/ui/States';
import type { Problem } from '../../../lib/transport';
import { useEnvConfig, useEnvs, useSetFeatureFlag, useSetValue, useValidation } from '../api';
import { selectEnv, useSelectedEnv } from '../env';
import { ApiKeysPanel } from './ApiKeysPanel';
import { TeamServerPanel } from './TeamServerPanel';

/** `file:line:column` of a problem (only the parts known). */
export function where(p: Problem): string {
  return [p.file, p.line, p.column].filter((x) => x !== null && x !== undefined && x !== '').join(':');
}

function Problems({ env }: { env: string | null }) {
  const v = useValidation(env);
  if (v.status === 'pending') return <Loading what="validation" />;
  if (v.status === 'error') return <ErrorBox error={v.error} retry={v.refetch} />;
  if (v.data.problems.length === 0) return <div><Badge tone="ok">valid</Badge> <span className="muted">{v.data.path}: no problems</span></div>;
  return (
    <ul className="problems" aria-label="Config problems">
      {v.data.problems.map((p, i) => (
        <li key={i}>
          <Badge tone={p.severity === 'error' ? 'bad' : 'warn'}>{p.severity}</Badge> {where(p)}
          {p.path ? ` (${p.path})` : ''}: {p.message}
        </li>
      ))}
    </ul>
  );
}

function Flags({ env }: { env: string | null }) {
  const cfg = useEnvConfig(env);
  const set = useSetFeatureFlag();
  const [name, setName] = useState('');
  if (cfg.status === 'pending') return <Loading what="feature flags" />;
  if (cfg.status === 'error')
    return cfg.error.kind === 'Input' ? (
      <Empty title="Flags cannot be read while this environment is invalid">
        Fix the problems listed under Validation (file:line:column) in the file, then try again.
        <div>
          <button type="button" onClick={() => void cfg.refetch()}>
            Try again
          </button>
        </div>
      </Empty>
    ) : (
      <ErrorBox error={cfg.error} retry={cfg.refetch} />
    );
  const flags = Object.entries(cfg.data.config.feature_flags ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const toggle = (flag: string, enabled: boolean) => set.mutate({ env: cfg.data.env, flag, enabled });
  return (
    <>
      {flags.length === 0 ? <Empty title="No feature flags in this environment" /> : null}
      <ul>
        {flags.map(([flag, on]) => (
          <li key={flag}>
            <label className="row" style={{ color: 'inherit', fontSize: 14 }}>
              <input type="checkbox" checked={on === true} disabled={set.isPending} onChange={(e) => toggle(flag, e.target.checked)} />
              {flag}
            </label>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={(e) => (e.preventDefault(), name.trim() && toggle(name.trim(), true), setName(''))}>
        <input aria-label="New feature flag" placeholder="new_flag_name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Add (enabled)</button>
      </form>
      {set.error ? <ErrorBox error={set.error} /> : null}
    </>
  );
}

function ValueEditor({ env }: { env: string | null }) {
  const set = useSetValue();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  return (
    <>
      <form className="row" onSubmit={(e) => (e.preventDefault(), set.mutate({ env, key: key.trim(), value }))}>
        <label>
          Key
          <input required placeholder="llm.temperature" value={key} onChange={(e) => setKey(e.target.value)} />
        </label>
        <label style={{ flex: 1 }}>
          Value (YAML; secrets as env:NAME or keychain:NAME)
          <input className="wide" required placeholder="0.3" value={value} onChange={(e) => setValue(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={set.isPending}>
          Set
        </button>
      </form>
      {set.error ? <ErrorBox error={set.error} /> : null}
      {set.data ? (
        <div className="muted">
          Saved {set.data.key} = {JSON.stringify(set.data.value)} in {set.data.path}
          {set.data.in_place ? ' (comments kept)' : ' (file re-written)'}
        </div>
      ) : null}
    </>
  );
}

export function SettingsPage() {
  const envs = useEnvs();
  const selected = useSelectedEnv();
  if (envs.status === 'pending') return <Loading what="environments" />;
  if (envs.status === 'error') return <ErrorBox error={envs.error} retry={envs.refetch} />;
  const env = selected ?? envs.data.active;
  return (
    <>
      <h1>Settings</h1>
      <Section title="Environment">
        <div className="row" role="radiogroup" aria-label="Environment">
          {envs.data.envs.map((e) => (
            <button
              key={e.name}
              type="button"
              role="radio"
              aria-checked={e.name === env}
              className={e.name === env ? 'primary' : ''}
              onClick={() => selectEnv(e.name === envs.data.active ? null : e.name)}
            >
              {e.name}
              {e.active ? ' (active)' : ''} {e.valid ? '' : `· ${e.errors} errors`}
              {e.warnings ? ` · ${e.warnings} warnings` : ''}
            </button>
          ))}
        </div>
        <div className="muted">Config dir: {envs.data.config_dir}</div>
      </Section>
      <Section title="Validation">
        <Problems env={env} />
      </Section>
      <div className="grid2">
        <Section title="Feature flags">
          <Flags env={env} />
        </Section>
        <Section title="Set a value">
          <ValueEditor env={env} />
        </Section>
      </div>
      <Section title="API keys">
        <ApiKeysPanel env={env} />
      </Section>
      <Section title="Team server">
        <TeamServerPanel />
      </Section>
    </>
  );
}
