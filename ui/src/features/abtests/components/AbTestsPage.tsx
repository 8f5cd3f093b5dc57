//! A/B tests: the environment config's `ab_tests` (variants = model versions or prompt variants, traffic split,
//! success metric). List, edit, add and remove; saving writes the whole list with `config set ab_tests` (the
//! backend validates it first and reports problems). Analysis arrives with a later issue.

import { useEffect, useState } from 'react';
import { Empty, ErrorBox, Loading, Section } from '../../../components/ui/States';
import { pct } from '../../../lib/format';
import type { AbTestConfig, AbVariant } from '../../../lib/transport';
import { useSelectedEnv } from '../../settings/env';
import { useAbTests, useSaveAbTests } from '../api';

const newVariant = (name: string, traffic: number): AbVariant => ({ name, model: '', system_prompt: null, traffic });

/** Sum of a test's traffic shares (the backend requires 1). */
export function trafficSum(t: AbTestConfig): number {
  return t.variants.reduce((s, v) => s + (v.traffic !== null && Number.isFinite(v.traffic) ? v.traffic : 0), 0);
}

function VariantRow({ v, onChange, onRemove }: { v: AbVariant; onChange: (v: AbVariant) => void; onRemove: () => void }) {
  return (
    <tr>
      <td>
        <input aria-label="Variant name" value={v.name} onChange={(e) => onChange({ ...v, name: e.target.value })} />
      </td>
      <td>
        <input aria-label="Model version" placeholder="agent@production" value={v.model} onChange={(e) => onChange({ ...v, model: e.target.value })} />
      </td>
      <td>
        <input
          aria-label="System prompt override"
          placeholder="(the version's own)"
          value={v.system_prompt ?? ''}
          onChange={(e) => onChange({ ...v, system_prompt: e.target.value || null })}
        />
      </td>
      <td>
        <input
          aria-label="Traffic share"
          type="number"
          min={0}
          max={1}
          step={0.05}
          value={v.traffic ?? ''}
          onChange={(e) => onChange({ ...v, traffic: Number(e.target.value) })}
          style={{ width: 80 }}
        />
      </td>
      <td>
        <button type="button" onClick={onRemove} aria-label={`Remove variant ${v.name}`}>
          ✕
        </button>
      </td>
    </tr>
  );
}

export function AbTestsPage() {
  const env = useSelectedEnv();
  const tests = useAbTests(env);
  const save = useSaveAbTests();
  const [draft, setDraft] = useState<AbTestConfig[] | null>(null);
  useEffect(() => {
    if (tests.status === 'success') setDraft(tests.data);
  }, [tests.status, tests.data]);
  if (tests.status === 'pending' || (tests.status === 'success' && draft === null)) return <Loading what="A/B tests" />;
  if (tests.status === 'error') return <ErrorBox error={tests.error} retry={tests.refetch} />;
  const list = draft ?? [];
  const update = (i: number, t: AbTestConfig) => setDraft(list.map((x, j) => (j === i ? t : x)));
  const dirty = JSON.stringify(list) !== JSON.stringify(tests.data);
  return (
    <>
      <h1>A/B tests{env ? ` · ${env}` : ''}</h1>
      {list.length === 0 ? <Empty title="No A/B tests in this environment">Add one below; it is stored in the environment's config file.</Empty> : null}
      {list.map((t, i) => (
        <Section
          key={i}
          title={t.name || `Test ${i + 1}`}
          actions={
            <button type="button" className="danger" onClick={() => setDraft(list.filter((_, j) => j !== i))}>
              Remove test
            </button>
          }
        >
          <div className="row">
            <label>
              Name
              <input value={t.name} onChange={(e) => update(i, { ...t, name: e.target.value })} />
            </label>
            <label>
              Success metric
              <input value={t.metric} placeholder="success" onChange={(e) => update(i, { ...t, metric: e.target.value })} />
            </label>
            <label style={{ flex: 1 }}>
              Description
              <input className="wide" value={t.description} onChange={(e) => update(i, { ...t, description: e.target.value })} />
            </label>
          </div>
          <table>
            <thead>
              <tr>
                <th>Variant</th>
                <th>Model version</th>
                <th>Prompt variant</th>
                <th>Traffic</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {t.variants.map((v, k) => (
                <VariantRow
                  key={k}
                  v={v}
                  onChange={(nv) => update(i, { ...t, variants: t.variants.map((x, j) => (j === k ? nv : x)) })}
                  onRemove={() => update(i, { ...t, variants: t.variants.filter((_, j) => j !== k) })}
                />
              ))}
            </tbody>
          </table>
          <div className="row">
            <button type="button" onClick={() => update(i, { ...t, variants: [...t.variants, newVariant(`variant-${t.variants.length + 1}`, 0)] })}>
              Add variant
            </button>
            <span className={Math.abs(trafficSum(t) - 1) < 1e-9 ? 'muted' : ''} role="status">
              Traffic total {pct(trafficSum(t))}
              {Math.abs(trafficSum(t) - 1) < 1e-9 ? '' : ' — must be 100%'}
            </span>
          </div>
        </Section>
      ))}
      <div className="row">
        <button
          type="button"
          onClick={() =>
            setDraft([
              ...list,
              { name: `test-${list.length + 1}`, description: '', metric: 'success', variants: [newVariant('control', 0.5), newVariant('treatment', 0.5)] },
            ])
          }
        >
          Add test
        </button>
        <button type="button" className="primary" disabled={!dirty || save.isPending} onClick={() => save.mutate({ env, tests: list })}>
          {save.isPending ? 'Saving…' : 'Save to config'}
        </button>
        {dirty ? (
          <button type="button" onClick={() => setDraft(tests.data)}>
            Discard changes
          </button>
        ) : null}
      </div>
      {save.error ? <ErrorBox error={save.error} /> : null}
    </>
  );
}
