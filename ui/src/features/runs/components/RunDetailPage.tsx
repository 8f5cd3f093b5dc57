//! One run: summary, params and tags, a chart per metric (full history, downsampled), and the conversation, action
//! and artifact timeline in logged order: screenshots are shown inline, DOM snapshots behind a button.

import { useMemo } from 'react';
import { MetricChart } from '../../../components/charts/MetricChart';
import { Badge, Empty, ErrorBox, KeyValues, Loading, Section } from '../../../components/ui/States';
import { duration, num, utc } from '../../../lib/format';
import type { MetricHistory, RunSummary, RunTimeline } from '../../../lib/transport';
import { useMetricHistories, useRun, useTimeline } from '../api';
import { ArtifactImage, ArtifactToggle } from './ArtifactView';
import { statusTone } from './RunsPage';

function MetricCharts({ summary }: { summary: RunSummary }) {
  const keys = useMemo(() => summary.metrics.map((m) => m.key).slice(0, 12), [summary]);
  const ids = useMemo(() => [summary.run.id], [summary]);
  const histories = useMetricHistories(ids, keys);
  // One stable series list per fetch, so the charts only rebuild (and downsample) when the data changes.
  const series = useMemo(
    () =>
      histories.status === 'success'
        ? histories.data.map((h: MetricHistory) => ({
            key: h.key,
            points: h.points.length,
            s: [{ name: h.key, points: h.points.map((p) => ({ step: Number(p.step), value: p.value })) }],
          }))
        : [],
    [histories.status, histories.data],
  );
  if (keys.length === 0) return <Empty title="No metrics logged">This run has no metric points.</Empty>;
  if (histories.status === 'pending') return <Loading what="metric histories" />;
  if (histories.status === 'error') return <ErrorBox error={histories.error} retry={histories.refetch} />;
  return (
    <div className="grid2">
      {series.map(({ key, points, s }) => (
        <MetricChart key={key} title={key} series={s} label={`${key} over steps, ${points} points`} height={220} />
      ))}
    </div>
  );
}

type Entry =
  | { kind: 'message'; ts: number; order: number; role: string; text: string; tokens: number }
  | { kind: 'action'; ts: number; order: number; text: string; ok: boolean; ms: number; error: string | null }
  | { kind: 'artifact'; ts: number; order: number; step: number; artifact: string; hash: string; mime: string };

const RANK: Record<Entry['kind'], number> = { message: 0, action: 1, artifact: 2 };

/** Messages and actions merged by timestamp (logging order breaks ties). */
export function mergeTimeline(t: RunTimeline): Entry[] {
  const entries: Entry[] = [
    ...t.messages.map((m, i): Entry => ({
      kind: 'message',
      ts: Number(m.ts_ms),
      order: i,
      role: m.role,
      text: m.content,
      tokens: (m.tokens?.input ?? 0) + (m.tokens?.output ?? 0),
    })),
    ...t.actions.map((a, i): Entry => ({
      kind: 'action',
      ts: Number(a.ts_ms),
      order: i,
      text: `${a.action_type}${a.target ? ` → ${a.target}` : ''}`,
      ok: a.success,
      ms: Number(a.duration_ms),
      error: a.error ?? null,
    })),
    ...t.artifacts.map((a, i): Entry => ({
      kind: 'artifact',
      ts: Number(a.created_at_ms),
      order: i,
      step: Number(a.step),
      artifact: a.kind,
      hash: a.hash,
      mime: a.mime,
    })),
  ];
  return entries.sort((a, b) => a.ts - b.ts || (a.kind === b.kind ? a.order - b.order : RANK[a.kind] - RANK[b.kind]));
}

function Timeline({ runId }: { runId: string }) {
  const t = useTimeline(runId);
  if (t.status === 'pending') return <Loading what="timeline" />;
  if (t.status === 'error') return <ErrorBox error={t.error} retry={t.refetch} />;
  const entries = mergeTimeline(t.data);
  if (entries.length === 0)
    return (
      <Empty title="No conversation, actions or screenshots">
        Nothing was logged for this run. Agent runs (`agent run`, evaluations) record them; `run log-batch` adds messages and actions.
      </Empty>
    );
  return (
    <ol className="timeline" aria-label="Timeline">
      {entries.map((e, i) =>
        e.kind === 'artifact' ? (
          <li key={i} className="artifact">
            <span className="muted">
              {utc(e.ts)} · step {e.step} · {e.artifact.replace(/_/g, ' ')}
            </span>
            {e.mime.startsWith('image/') ? (
              <ArtifactImage hash={e.hash} alt={`${e.artifact.replace(/_/g, ' ')} at step ${e.step}`} />
            ) : (
              <div>
                <ArtifactToggle hash={e.hash} label={e.artifact.replace(/_/g, ' ')} alt={e.artifact} />
              </div>
            )}
          </li>
        ) : e.kind === 'message' ? (
          <li key={i} className={e.role}>
            <span className="muted">
              {utc(e.ts)} · {e.role} · {num(e.tokens, 0)} tokens
            </span>
            <pre>{e.text}</pre>
          </li>
        ) : (
          <li key={i} className="action">
            <span className="muted">
              {utc(e.ts)} · action · {duration(e.ms)}
            </span>{' '}
            <Badge tone={e.ok ? 'ok' : 'bad'}>{e.ok ? 'ok' : 'failed'}</Badge>
            <pre>
              {e.text}
              {e.error ? `\n${e.error}` : ''}
            </pre>
          </li>
        ),
      )}
    </ol>
  );
}

export function RunDetailPage({ id }: { id: string }) {
  const run = useRun(id);
  if (run.status === 'pending') return <Loading what="run" />;
  if (run.status === 'error') return <ErrorBox error={run.error} retry={run.refetch} />;
  const s = run.data;
  return (
    <>
      <div className="row">
        <a href="#/runs">← Runs</a>
        <h1>{s.run.name || s.run.id}</h1>
        <Badge tone={statusTone(s.run.status)}>{s.run.status}</Badge>
        {s.process_gone ? <Badge tone="warn">process gone</Badge> : null}
      </div>
      <Section title="Summary">
        <KeyValues
          rows={[
            ['Experiment', s.experiment_name],
            ['Run id', s.run.id],
            ['Started (UTC)', utc(Number(s.run.start_ms))],
            ['Duration', duration(Number(s.duration_ms))],
            ['Model version', s.run.model_version_id ?? '—'],
            ['Messages', num(Number(s.totals.messages), 0)],
            ['Actions', num(Number(s.totals.actions), 0)],
            ['Metric points', num(Number(s.totals.metric_points), 0)],
            ...(s.run.error ? ([['Error', s.run.error]] as [string, string][]) : []),
          ]}
        />
      </Section>
      <div className="grid2">
        <Section title="Params">
          <KeyValues rows={Object.entries(s.params)} />
        </Section>
        <Section title="Tags">
          <KeyValues rows={Object.entries(s.tags)} />
        </Section>
      </div>
      <Section title="Metrics">
        <MetricCharts summary={s} />
      </Section>
      <Section title="Conversation and actions">
        <Timeline runId={s.run.id} />
      </Section>
    </>
  );
}
