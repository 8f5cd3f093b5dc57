//! Models: the registry (models with aliases), one model's versions with their config diffs, a side-by-side
//! comparison of selected versions (config + success rate with a Wilson 95% CI, steps, cost, p50/p95 latency),
//! deploy and rollback behind a confirmation, and the deployment audit history.

import { useState } from 'react';
import { href } from '../../../app/routes';
import { Chart } from '../../../components/charts/Chart';
import { rateBarsOption } from '../../../components/charts/options';
import { rowLink } from '../../../components/ui/rowLink';
import { Badge, ConfirmDialog, Empty, ErrorBox, Loading, Section } from '../../../components/ui/States';
import { cell, duration, num, pct, usd, utc, wilson } from '../../../lib/format';
import type { ModelDetail } from '../../../lib/transport';
import { useDeploy, useHistory, useModel, useModels, useRollback, useVersionComparison } from '../api';

function Registry() {
  const models = useModels();
  if (models.status === 'pending') return <Loading what="models" />;
  if (models.status === 'error') return <ErrorBox error={models.error} retry={models.refetch} />;
  if (models.data.models.length === 0)
    return <Empty title="No models registered">Register one with `browser-ai-mlops model register` or run the demo.</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th>Model</th>
          <th className="num">Versions</th>
          <th>Aliases</th>
        </tr>
      </thead>
      <tbody>
        {models.data.models.map((m) => (
          <tr key={m.model.id} {...rowLink(href.model(m.model.name), `Open model ${m.model.name}`)}>
            <td>
              <a href={href.model(m.model.name)}>{m.model.name}</a>
            </td>
            <td className="num">{num(Number(m.versions), 0)}</td>
            <td>{m.aliases.map((a) => `${a.alias} → v${a.version}`).join(', ') || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Compare({ refs }: { refs: string[] }) {
  const cmp = useVersionComparison(refs);
  if (refs.length < 2) return <Empty title="Select two or more versions to compare" />;
  if (cmp.status === 'pending') return <Loading what="comparison" />;
  if (cmp.status === 'error') return <ErrorBox error={cmp.error} retry={cmp.refetch} />;
  const cols = cmp.data.columns;
  const bars = cols.map((c) => {
    const p = c.performance;
    const ci = p?.success_rate != null ? wilson(p.success_rate, Number(p.success_runs)) : null;
    return { label: c.version.reference, rate: p?.success_rate ?? 0, low: ci?.low ?? null, high: ci?.high ?? null };
  });
  const perf: [string, (i: number) => string][] = [
    ['Runs', (i) => num(Number(cols[i]?.performance?.runs ?? 0), 0)],
    ['Success rate', (i) => pct(cols[i]?.performance?.success_rate)],
    ['95% CI (Wilson)', (i) => (bars[i]?.low != null && bars[i]?.high != null ? `${pct(bars[i]?.low)} – ${pct(bars[i]?.high)}` : '—')],
    ['Runs with success', (i) => num(Number(cols[i]?.performance?.success_runs ?? 0), 0)],
    ['Mean steps', (i) => num(cols[i]?.performance?.mean_steps, 1)],
    ['Mean cost', (i) => usd(cols[i]?.performance?.mean_cost_usd)],
    ['p50 latency', (i) => duration(cols[i]?.performance?.p50_duration_ms)],
    ['p95 latency', (i) => duration(cols[i]?.performance?.p95_duration_ms)],
  ];
  return (
    <>
      {cols.some((c) => c.performance) ? (
        <Chart label="Success rate per version with Wilson 95% confidence interval" height={220} option={rateBarsOption('Success rate (Wilson 95% CI)', bars)} />
      ) : (
        <Empty title="No evaluation results yet">Evaluate these versions to see their performance.</Empty>
      )}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th />
              {cols.map((c) => (
                <th key={c.version.id}>{c.version.reference}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {perf.map(([label, f]) => (
              <tr key={label}>
                <td>{label}</td>
                {cols.map((c, i) => (
                  <td key={c.version.id} className="num">
                    {f(i)}
                  </td>
                ))}
              </tr>
            ))}
            {cmp.data.fields.map((f) => (
              <tr key={f.field} className={f.differs ? 'changed' : ''}>
                <td>{f.field}</td>
                {f.values.map((v, i) => (
                  <td key={i}>{cell(v)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

type Pending = { kind: 'deploy'; reference: string; target: string } | { kind: 'rollback'; target: string } | null;

function Versions({ detail }: { detail: ModelDetail }) {
  const [picked, setPicked] = useState<string[]>([]);
  const [target, setTarget] = useState('production');
  const [reason, setReason] = useState('');
  const [pending, setPending] = useState<Pending>(null);
  const deploy = useDeploy();
  const rollback = useRollback();
  const error = deploy.error ?? rollback.error;
  const confirm = () => {
    if (!pending) return;
    // The dialog closes once the change is stored (and the registry's queries are refreshed); on error it stays.
    const close = { onSuccess: () => setPending(null) };
    if (pending.kind === 'deploy') deploy.mutate({ reference: pending.reference, target: pending.target, reason }, close);
    else rollback.mutate({ model: detail.model.name, target: pending.target, reason }, close);
  };
  return (
    <>
      <div className="row">
        <label>
          Target alias
          <input value={target} onChange={(e) => setTarget(e.target.value)} />
        </label>
        <label style={{ flex: 1 }}>
          Reason (kept in the audit log)
          <input className="wide" value={reason} onChange={(e) => setReason(e.target.value)} />
        </label>
        <button type="button" className="danger" onClick={() => setPending({ kind: 'rollback', target })}>
          Roll back {target}
        </button>
      </div>
      {error ? <ErrorBox error={error} /> : null}
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>Compare</th>
              <th>Version</th>
              <th />
              <th>Aliases</th>
              <th>Provider / model</th>
              <th>Created (UTC)</th>
              <th>Changes vs parent</th>
            </tr>
          </thead>
          <tbody>
            {[...detail.versions].reverse().map((v) => (
              <tr key={v.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`compare ${v.reference}`}
                    checked={picked.includes(v.reference)}
                    onChange={() => setPicked((p) => (p.includes(v.reference) ? p.filter((x) => x !== v.reference) : [...p, v.reference]))}
                  />
                </td>
                <td>
                  {v.reference} {v.archived_at_ms != null ? <Badge tone="warn">archived</Badge> : null}
                </td>
                <td>
                  <button type="button" disabled={v.archived_at_ms != null} onClick={() => setPending({ kind: 'deploy', reference: v.reference, target })}>
                    Deploy to {target}
                  </button>
                </td>
                <td>{v.aliases.map((a) => <Badge key={a} tone="info">{a}</Badge>)}</td>
                <td>
                  {v.config.provider} / {v.config.model_id}
                </td>
                <td>{utc(Number(v.created_at_ms))}</td>
                <td title={v.config_diff.map((c) => `${c.field}: ${cell(c.from)} → ${cell(c.to)}`).join('\n')}>
                  {v.config_diff.length ? v.config_diff.map((c) => `${c.field}: ${cell(c.from)} → ${cell(c.to)}`).join('; ') : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Section title="Compare versions">
        <Compare refs={picked} />
      </Section>
      <ConfirmDialog
        open={pending !== null}
        title={pending?.kind === 'rollback' ? 'Roll back?' : 'Deploy?'}
        confirmLabel={pending?.kind === 'rollback' ? 'Roll back' : 'Deploy'}
        pending={deploy.isPending || rollback.isPending}
        onCancel={() => setPending(null)}
        onConfirm={confirm}
      >
        {pending?.kind === 'deploy'
          ? `Point ${detail.model.name}@${pending.target} at ${pending.reference}?`
          : pending
            ? `Move ${detail.model.name}@${pending.target} back to where it pointed before its last deploy?`
            : null}
        {reason ? '' : ' (No reason given.)'}
      </ConfirmDialog>
    </>
  );
}

function History({ model }: { model: string | null }) {
  const h = useHistory(model);
  if (h.status === 'pending') return <Loading what="deployment history" />;
  if (h.status === 'error') return <ErrorBox error={h.error} retry={h.refetch} />;
  if (h.data.deployments.length === 0) return <Empty title="No deployments yet" />;
  return (
    <table>
      <thead>
        <tr>
          <th>When (UTC)</th>
          <th>Action</th>
          <th>Target</th>
          <th>From → to</th>
          <th>Who</th>
          <th>Host</th>
          <th>Why</th>
        </tr>
      </thead>
      <tbody>
        {h.data.deployments.map((d) => (
          <tr key={d.id}>
            <td>{utc(Number(d.created_at_ms))}</td>
            <td>
              <Badge tone={d.action === 'deploy' ? 'ok' : 'warn'}>{d.action}</Badge>
            </td>
            <td>
              {d.model_name}@{d.target}
            </td>
            <td>
              {d.from_reference ?? '∅'} → {d.to_reference}
            </td>
            <td>{d.os_user}</td>
            <td>{d.host}</td>
            <td>{d.reason || '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ModelsPage({ name }: { name: string | null }) {
  const detail = useModel(name);
  return (
    <>
      <h1>Models{name ? ` · ${name}` : ''}</h1>
      {name === null ? (
        <Section title="Registry">
          <Registry />
        </Section>
      ) : detail.status === 'pending' ? (
        <Loading what="model" />
      ) : detail.status === 'error' ? (
        <ErrorBox error={detail.error} retry={detail.refetch} />
      ) : (
        <Section title="Versions" actions={<a href="#/models">All models</a>}>
          <Versions detail={detail.data} />
        </Section>
      )}
      <Section title="Deployment history">
        <History model={name} />
      </Section>
    </>
  );
}
