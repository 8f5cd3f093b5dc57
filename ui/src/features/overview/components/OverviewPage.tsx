//! Overview: system health, the version each deployment target (production, staging, …) points at per model,
//! recent evaluations, and success-rate and cost trends over those evaluations.

import { useMemo } from 'react';
import { href } from '../../../app/routes';
import { Chart } from '../../../components/charts/Chart';
import { trendOption } from '../../../components/charts/options';
import { Empty, ErrorBox, Loading, Section } from '../../../components/ui/States';
import { pct, shortId, usd, utc } from '../../../lib/format';
import type { EvaluationSummary, ModelSummary } from '../../../lib/transport';
import { useEvaluations } from '../../evals/api';
import { useModels } from '../../models/api';
import { HealthPanel } from '../../monitoring/components/HealthPanel';
import { useDemoStatus, useLoadDemo } from '../api';

/** Model × target table: which version each alias points at. */
export function deployedMatrix(models: ModelSummary[]): { targets: string[]; rows: { model: string; cells: (string | null)[] }[] } {
  const targets = [...new Set(models.flatMap((m) => m.aliases.map((a) => a.alias)))].sort((a, b) =>
    a === 'production' ? -1 : b === 'production' ? 1 : a.localeCompare(b),
  );
  const rows = models
    .filter((m) => m.aliases.length > 0)
    .map((m) => ({ model: m.model.name, cells: targets.map((t) => m.aliases.find((a) => a.alias === t)?.reference ?? null) }));
  return { targets, rows };
}

/** Trend points (oldest first) from evaluation summaries: success rate and total cost per evaluation. */
export function trends(evals: EvaluationSummary[]) {
  const success = evals.flatMap((s) => (s.success_rate?.estimate != null ? [{ ts: Number(s.evaluation.started_at_ms), value: s.success_rate.estimate }] : []));
  const cost = evals.flatMap((s) => (s.cost_usd != null && Number.isFinite(s.cost_usd) ? [{ ts: Number(s.evaluation.started_at_ms), value: s.cost_usd }] : []));
  return { success, cost };
}

function Deployed() {
  const models = useModels();
  if (models.status === 'pending') return <Loading what="deployments" />;
  if (models.status === 'error') return <ErrorBox error={models.error} retry={models.refetch} />;
  const m = deployedMatrix(models.data.models);
  if (m.rows.length === 0) return <Empty title="Nothing deployed yet">Deploy a model version from the Models page.</Empty>;
  return (
    <table>
      <thead>
        <tr>
          <th>Model</th>
          {m.targets.map((t) => (
            <th key={t}>{t}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {m.rows.map((r) => (
          <tr key={r.model}>
            <td>
              <a href={href.model(r.model)}>{r.model}</a>
            </td>
            {r.cells.map((c, i) => (
              <td key={i}>{c ?? '—'}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Evaluations() {
  const evals = useEvaluations(50);
  const t = useMemo(() => (evals.status === 'success' ? trends(evals.data.evaluations) : null), [evals.status, evals.data]);
  if (evals.status === 'pending') return <Loading what="evaluations" />;
  if (evals.status === 'error') return <ErrorBox error={evals.error} retry={evals.refetch} />;
  const list = evals.data.evaluations;
  if (list.length === 0) return <Empty title="No evaluations yet">Launch one on the Evaluations page, or run the demo.</Empty>;
  return (
    <>
      <div className="grid2">
        <Chart label="Success rate per evaluation over time" option={trendOption('Success rate', t?.success ?? [], 'pct')} height={220} />
        <Chart label="Cost per evaluation over time" option={trendOption('Cost per evaluation', t?.cost ?? [], 'usd')} height={220} />
      </div>
      <table>
        <thead>
          <tr>
            <th>Evaluation</th>
            <th>Started (UTC)</th>
            <th>Suite</th>
            <th className="num">Success</th>
            <th className="num">Cost</th>
          </tr>
        </thead>
        <tbody>
          {list.slice(0, 8).map((s) => (
            <tr key={s.evaluation.id}>
              <td>
                <a href={href.evaluation(s.evaluation.id)}>{shortId(s.evaluation.id)}</a>
              </td>
              <td>{utc(Number(s.evaluation.started_at_ms))}</td>
              <td>{s.evaluation.suite}</td>
              <td className="num">{pct(s.success_rate?.estimate)}</td>
              <td className="num">{usd(s.cost_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** On a first start (nothing stored yet) offer the demo's data; it runs for real, so say how long it takes. */
function FirstStart() {
  const status = useDemoStatus();
  const { mutation: load, lines } = useLoadDemo();
  if (status.status !== 'success' || !status.data.empty) return null;
  return (
    <Section title="Welcome — this data dir is empty">
      <p>
        Load the demo&apos;s data: a tracked learning-rate sweep, a model registry round (deploy and rollback) and two
        offline baseline agents evaluated on real headless Chromium and compared with McNemar&apos;s test. Everything
        it shows really runs here; the evaluation takes a few minutes. The same demo runs in a terminal with{' '}
        <code>browser-ai-mlops demo</code>.
      </p>
      <p>
        <button type="button" disabled={load.isPending} onClick={() => load.mutate({ no_eval: false, category: null, concurrency: null })}>
          {load.isPending ? 'Loading the demo… (running the evaluation)' : 'Load the demo data'}
        </button>{' '}
        <button type="button" disabled={load.isPending} onClick={() => load.mutate({ no_eval: true, category: null, concurrency: null })}>
          Without the browser evaluation (seconds)
        </button>
      </p>
      {lines.length > 0 && (
        <pre className="demo-narrative" aria-live="polite" aria-label="demo progress">
          {lines.join('\n')}
        </pre>
      )}
      {load.error && <ErrorBox error={load.error} />}
    </Section>
  );
}

export function OverviewPage() {
  return (
    <>
      <h1>Overview</h1>
      <FirstStart />
      <Section title="Health" actions={<a href="#/monitoring">Monitoring</a>}>
        <HealthPanel compact />
      </Section>
      <Section title="Deployed versions">
        <Deployed />
      </Section>
      <Section title="Recent evaluations and trends" actions={<a href="#/evals">Evaluations</a>}>
        <Evaluations />
      </Section>
    </>
  );
}
