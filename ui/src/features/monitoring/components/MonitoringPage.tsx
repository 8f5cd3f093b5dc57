//! Monitoring: system health, alerts, recent errors and performance, refreshed every 15 s while the page is open.
//! The monitor/health types join bindings.ts at the merge; until then the values are shown as they come.

import { useEffect } from 'react';
import { JsonView } from '../../../components/ui/JsonView';
import { ErrorBox, Loading, Section } from '../../../components/ui/States';
import { invalidate } from '../../../lib/query';
import { useAlerts, useErrors, useHealth, usePerformance } from '../api';

type Q = ReturnType<typeof useHealth>;

function Block({ q, what, empty }: { q: Q; what: string; empty: string }) {
  if (q.status === 'loading') return <Loading what={what} />;
  if (q.status === 'error') return <ErrorBox error={q.error} retry={q.reload} />;
  return <JsonView value={q.data} empty={empty} />;
}

export function MonitoringPage() {
  const health = useHealth();
  const alerts = useAlerts();
  const errors = useErrors();
  const perf = usePerformance();
  useEffect(() => {
    const t = window.setInterval(() => invalidate('monitor:'), 15000);
    return () => window.clearInterval(t);
  }, []);
  return (
    <>
      <h1>Monitoring</h1>
      <Section title="System health">
        <Block q={health} what="health" empty="No health data yet" />
      </Section>
      <div className="grid2">
        <Section title="Alerts">
          <Block q={alerts} what="alerts" empty="No alerts" />
        </Section>
        <Section title="Performance">
          <Block q={perf} what="performance" empty="No performance data yet" />
        </Section>
      </div>
      <Section title="Errors">
        <Block q={errors} what="errors" empty="No errors recorded" />
      </Section>
    </>
  );
}
