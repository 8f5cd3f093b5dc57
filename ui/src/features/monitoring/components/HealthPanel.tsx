//! System health from the typed `monitor/health` output: status, one gauge per resource (CPU, memory, disk) against
//! its alert threshold, why the status is not healthy, and the newest sample a running sampler stored.

import { Badge, Empty, ErrorBox, Loading } from '../../../components/ui/States';
import { utc } from '../../../lib/format';
import type { HealthStatus } from '../../../lib/transport';
import { useHealth } from '../api';
import { bytes, gauges, type Band } from '../gauges';

const TONE: Record<Band | HealthStatus, 'ok' | 'warn' | 'bad' | 'info'> = {
  healthy: 'ok',
  warning: 'warn',
  critical: 'bad',
  unknown: 'info',
};

/** `live`: keep re-reading while shown (the monitoring page); the overview's compact panel reads once. */
export function HealthPanel({ compact = false, live = false }: { compact?: boolean; live?: boolean }) {
  const h = useHealth({ live });
  if (h.status === 'pending') return <Loading what="system health (about one second)" />;
  if (h.status === 'error') return <ErrorBox error={h.error} retry={h.refetch} />;
  const { current, reasons, latest_stored, thresholds } = h.data;
  return (
    <div className="health" aria-label="System health">
      <div className="row">
        <span>Status</span>
        <Badge tone={TONE[current.status]}>{current.status}</Badge>
        <span className="muted">read at {utc(current.at_ms)} UTC</span>
      </div>
      <div className="gauges">
        {gauges(current, thresholds).map((g) => (
          <div key={g.name} className={`gauge ${g.band}`} role="group" aria-label={`${g.name} gauge`}>
            <div className="row">
              <strong>{g.name}</strong>
              <span className="gauge-value">{g.percent === null ? 'not known yet' : `${g.percent.toFixed(1)}%`}</span>
            </div>
            <meter min={0} max={100} value={g.percent ?? 0} aria-label={`${g.name} use in percent`} />
            <div className="muted">
              {g.detail}
              {g.threshold !== null ? ` · alert at ${g.threshold}%` : ''}
            </div>
          </div>
        ))}
      </div>
      {reasons.length ? (
        <ul className="reasons">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : null}
      {compact ? null : (
        <div className="muted">
          Network rx {bytes(current.net_rx_bytes_per_sec)}/s, tx {bytes(current.net_tx_bytes_per_sec)}/s · server process RSS{' '}
          {bytes(current.process_rss_bytes)} ·{' '}
          {latest_stored ? (
            <span data-testid="latest-stored">
              newest stored sample {utc(latest_stored.at_ms)} UTC ({latest_stored.status})
            </span>
          ) : (
            'no stored samples yet (samples are stored by `serve` and `monitor watch`)'
          )}
        </div>
      )}
    </div>
  );
}

/** Shown where health is expected but the backend has nothing to say yet. */
export function NoHealth() {
  return <Empty title="No health data yet">Start `browser-ai-mlops serve` or `monitor watch` to record samples.</Empty>;
}
