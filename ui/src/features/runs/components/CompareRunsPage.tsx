//! Compare 2..N runs: overlaid metric charts (one chart per metric, one line per run, downsampled) and the params
//! diff and metric summary side by side.

import { useMemo } from 'react';
import { href } from '../../../app/routes';
import { MetricChart } from '../../../components/charts/MetricChart';
import { type MetricSeries } from '../../../components/charts/options';
import { Empty, ErrorBox, Loading, Section } from '../../../components/ui/States';
import { num, shortId } from '../../../lib/format';
import type { MetricHistory, Run } from '../../../lib/transport';
import { useMetricHistories, useRunComparison } from '../api';

/** Group histories by metric key into one overlay per key, labelled by run. */
export function overlays(histories: MetricHistory[], runs: Run[]): { key: string; series: MetricSeries[] }[] {
  const label = new Map(runs.map((r) => [r.id, r.name || shortId(r.id)]));
  const byKey = new Map<string, MetricSeries[]>();
  for (const h of histories) {
    if (h.points.length === 0) continue;
    const list = byKey.get(h.key) ?? [];
    list.push({ name: label.get(h.run_id) ?? shortId(h.run_id), points: h.points.map((p) => ({ step: Number(p.step), value: p.value })) });
    byKey.set(h.key, list);
  }
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, series]) => ({ key, series }));
}

export function CompareRunsPage({ ids }: { ids: string[] }) {
  const cmp = useRunComparison(ids);
  const keys = useMemo(() => (cmp.status === 'success' ? cmp.data.metrics.map((m) => m.key).slice(0, 6) : []), [cmp.status, cmp.data]);
  const histories = useMetricHistories(cmp.status === 'success' ? ids : [], keys);
  // Built once per fetch, so the charts only rebuild (and downsample) when the data changes.
  const charts = useMemo(
    () => (histories.status === 'success' && cmp.status === 'success' ? overlays(histories.data, cmp.data.runs) : []),
    [histories.status, histories.data, cmp.status, cmp.data],
  );
  if (ids.length < 2)
    return (
      <Empty title="Pick at least two runs to compare">
        Select runs in the <a href="#/runs">runs table</a> (Space or the checkbox), then “Compare”.
      </Empty>
    );
  if (cmp.status === 'pending') return <Loading what="comparison" />;
  if (cmp.status === 'error') return <ErrorBox error={cmp.error} retry={cmp.refetch} />;
  const c = cmp.data;
  const head = (
    <tr>
      <th>Key</th>
      {c.runs.map((r) => (
        <th key={r.id}>
          <a href={href.run(r.id)}>{r.name || shortId(r.id)}</a>
        </th>
      ))}
    </tr>
  );
  return (
    <>
      <div className="row">
        <a href="#/runs">← Runs</a>
        <h1>Compare {c.runs.length} runs</h1>
      </div>
      <Section title="Metrics over steps">
        {histories.status === 'pending' && keys.length ? <Loading what="metric histories" /> : null}
        {histories.status === 'error' ? <ErrorBox error={histories.error} retry={histories.refetch} /> : null}
        {keys.length === 0 ? <Empty title="No metrics to overlay" /> : null}
        {histories.status === 'success' ? (
          <div className="grid2">
            {charts.map((o) => (
              <MetricChart key={o.key} title={o.key} series={o.series} height={240} label={`${o.key} for ${o.series.length} runs`} />
            ))}
          </div>
        ) : null}
      </Section>
      <Section title={`Params that differ (${c.params_differ.length}; ${c.params_equal.length} equal)`}>
        <div className="table-wrap">
          <table>
            <thead>{head}</thead>
            <tbody>
              {c.params_differ.map((p) => (
                <tr key={p.key} className="changed">
                  <td>{p.key}</td>
                  {p.values.map((v, i) => (
                    <td key={i}>{v ?? '—'}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
      <Section title="Metric summary (last value)">
        <div className="table-wrap">
          <table>
            <thead>{head}</thead>
            <tbody>
              {c.metrics.map((m) => (
                <tr key={m.key}>
                  <td>{m.key}</td>
                  {m.values.map((v, i) => (
                    <td key={i} className="num">
                      {v ? num(v.last, 4) : '—'}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>
    </>
  );
}
