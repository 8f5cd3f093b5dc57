//! Monitoring: system health gauges, alerts, agent-task performance and recent errors (with "Resolve"), all from the
//! typed monitor/health commands over the last 24 hours, re-read every 15 s (`refetchInterval`) while the page is open.

import { Badge, Empty, ErrorBox, KeyValues, Loading, Section } from '../../../components/ui/States';
import { duration, num, pct, usd, utc } from '../../../lib/format';
import type { ErrorSeverity } from '../../../lib/transport';
import { useAlerts, useErrors, usePerformance, useResolveError, WINDOW_HOURS } from '../api';
import { HealthPanel } from './HealthPanel';

const SEVERITY_TONE: Record<string, 'ok' | 'warn' | 'bad' | 'info'> = {
  low: 'info',
  medium: 'warn',
  warning: 'warn',
  high: 'bad',
  critical: 'bad',
};

function Alerts() {
  const a = useAlerts({ live: true });
  if (a.status === 'pending') return <Loading what="alerts" />;
  if (a.status === 'error') return <ErrorBox error={a.error} retry={a.refetch} />;
  if (a.data.alerts.length === 0)
    return (
      <Empty title="No alerts">
        Nothing fired in the last {WINDOW_HOURS} hours. Thresholds are in the config&apos;s `monitoring.alerts`.
      </Empty>
    );
  return (
    <>
      <div className="muted">{a.data.open} open</div>
      <div className="table-wrap">
        <table aria-label="Alerts">
          <thead>
            <tr>
              <th>Fired (UTC)</th>
              <th>Rule</th>
              <th>Severity</th>
              <th className="num">Observed</th>
              <th className="num">Threshold</th>
              <th>Resolved</th>
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {a.data.alerts.map((x) => (
              <tr key={x.id}>
                <td>{utc(x.fired_at_ms)}</td>
                <td>{x.rule}</td>
                <td>
                  <Badge tone={SEVERITY_TONE[x.severity] ?? 'info'}>{x.severity}</Badge>
                </td>
                <td className="num">{num(x.observed, 2)}</td>
                <td className="num">{num(x.threshold, 2)}</td>
                <td>{x.resolved_at_ms === null ? <Badge tone="warn">open</Badge> : utc(x.resolved_at_ms)}</td>
                <td title={x.message}>{x.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Performance() {
  const p = usePerformance({ live: true });
  if (p.status === 'pending') return <Loading what="performance" />;
  if (p.status === 'error') return <ErrorBox error={p.error} retry={p.refetch} />;
  const { tasks, llm, actions, page_loads } = p.data;
  if (tasks.total === 0 && llm.calls === 0 && actions.total === 0)
    return <Empty title="No agent tasks in the window">Run an evaluation or `agent run` and they show up here.</Empty>;
  return (
    <KeyValues
      rows={[
        ['Tasks', `${tasks.total} (${tasks.succeeded} ok, ${tasks.failed} failed, ${tasks.error} error, ${tasks.running} running)`],
        ['Success rate', pct(tasks.success_rate)],
        ['Error rate', pct(tasks.error_rate)],
        ['Task p50 / p95', `${duration(tasks.duration_ms?.p50)} / ${duration(tasks.duration_ms?.p95)}`],
        ['LLM calls', `${llm.calls} (${llm.failed_calls} failed)`],
        ['LLM cost', usd(llm.cost_usd)],
        ['Actions', `${actions.total} (${pct(actions.success_rate)} ok)`],
        ['Page loads', `${page_loads.count} · p95 ${duration(page_loads.load_ms?.p95)}`],
      ]}
    />
  );
}

function Errors() {
  const e = useErrors({ live: true });
  const resolve = useResolveError();
  if (e.status === 'pending') return <Loading what="errors" />;
  if (e.status === 'error') return <ErrorBox error={e.error} retry={e.refetch} />;
  const list = e.data;
  if (list.errors.length === 0)
    return <Empty title="No errors recorded">Nothing went wrong in the last {WINDOW_HOURS} hours.</Empty>;
  return (
    <>
      <div className="muted">
        {list.matching} in the window · {list.unresolved_all_time} unresolved of all time ·{' '}
        {list.by_type.map((t) => `${t.error_type} ×${t.count}`).join(', ')}
      </div>
      {resolve.error ? <ErrorBox error={resolve.error} /> : null}
      <div className="table-wrap">
        <table aria-label="Errors">
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>Type</th>
              <th>Severity</th>
              <th>Message</th>
              <th>Task</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {list.errors.map((x) => (
              <tr key={x.id} data-error-id={x.id}>
                <td>{utc(x.at_ms)}</td>
                <td>{x.error_type}</td>
                <td>
                  <Badge tone={SEVERITY_TONE[x.severity satisfies ErrorSeverity] ?? 'info'}>{x.severity}</Badge>
                </td>
                <td title={x.message}>{x.message}</td>
                <td>{x.task_ref ?? '—'}</td>
                <td>
                  {x.resolved ? (
                    <Badge tone="ok">resolved {utc(x.resolved_at_ms)}</Badge>
                  ) : (
                    <button
                      type="button"
                      disabled={resolve.isPending}
                      onClick={() => resolve.mutate(x.id)}
                      aria-label={`Resolve error ${x.error_type} at ${utc(x.at_ms)}`}
                    >
                      Resolve
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function MonitoringPage() {
  return (
    <>
      <h1>Monitoring</h1>
      <Section title="System health">
        <HealthPanel live />
      </Section>
      <div className="grid2">
        <Section title="Alerts">
          <Alerts />
        </Section>
        <Section title={`Agent tasks, last ${WINDOW_HOURS} h`}>
          <Performance />
        </Section>
      </div>
      <Section title="Errors">
        <Errors />
      </Section>
    </>
  );
}
