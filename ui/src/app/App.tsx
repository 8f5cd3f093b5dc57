//! The shell: navigation, hash routing, theme switch, the access-token prompt for `serve`, and the page outlet.

import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { OverviewPage } from '../features/overview/components/OverviewPage';
import { AbTestsPage } from '../features/abtests/components/AbTestsPage';
import { EvalsPage } from '../features/evals/components/EvalsPage';
import { ModelsPage } from '../features/models/components/ModelsPage';
import { MonitoringPage } from '../features/monitoring/components/MonitoringPage';
import { CompareRunsPage } from '../features/runs/components/CompareRunsPage';
import { RunDetailPage } from '../features/runs/components/RunDetailPage';
import { RunsPage } from '../features/runs/components/RunsPage';
import { SettingsPage } from '../features/settings/components/SettingsPage';
import { Empty } from '../components/ui/States';
import { storedToken, storeToken, transport } from '../lib/transport';
import { PageErrorBoundary } from './ErrorBoundary';
import { NAV, parseRoute, type Route } from './routes';
import { initialTheme, saveTheme, ThemeContext, type Theme } from './theme';

function subscribeHash(cb: () => void) {
  window.addEventListener('hashchange', cb);
  return () => window.removeEventListener('hashchange', cb);
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'overview':
      return <OverviewPage />;
    case 'runs':
      return <RunsPage key={route.filter} initialFilter={route.filter} />;
    case 'run':
      return <RunDetailPage id={route.id} />;
    case 'compare':
      return <CompareRunsPage ids={route.ids} />;
    case 'models':
      return <ModelsPage name={route.name} />;
    case 'evals':
      return <EvalsPage id={route.id} />;
    case 'abtests':
      return <AbTestsPage />;
    case 'monitoring':
      return <MonitoringPage />;
    case 'settings':
      return <SettingsPage />;
    case 'notfound':
      return (
        <Empty title={`No page at ${route.path}`}>
          <a href="#/">Go to the overview</a>
        </Empty>
      );
  }
}

function TokenButton() {
  const [has, setHas] = useState(() => storedToken() !== null);
  const client = useQueryClient();
  if (transport().kind !== 'http') return null;
  const ask = () => {
    const t = window.prompt('Access token printed by `browser-ai-mlops serve` (kept for this browser tab only):');
    if (t === null) return;
    storeToken(t.trim() || null);
    setHas(t.trim() !== '');
    // Every answer so far was given to the old token (or none): ask again.
    void client.invalidateQueries();
  };
  return (
    <button type="button" onClick={ask} title="Set the bearer token for the server">
      {has ? 'Token ✓' : 'Token'}
    </button>
  );
}

export function App() {
  const hash = useSyncExternalStore(subscribeHash, () => window.location.hash);
  const route = parseRoute(hash);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => saveTheme(theme), [theme]);
  const current = route.page === 'run' || route.page === 'compare' ? 'runs' : route.page;
  return (
    <ThemeContext.Provider value={theme}>
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <div className="shell">
        <nav className="sidebar" aria-label="Main">
          <div className="brand">Browser.AI MLOps</div>
          <ul>
            {NAV.map((n) => (
              <li key={n.page}>
                <a href={n.href} aria-current={current === n.page ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
          <div className="sidebar-foot">
            <TokenButton />
            <button
              type="button"
              onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
              aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
            >
              {theme === 'dark' ? '☀ Light' : '☾ Dark'}
            </button>
          </div>
        </nav>
        <main id="main" tabIndex={-1}>
          <PageErrorBoundary key={hash}>
            <Page route={route} />
          </PageErrorBoundary>
        </main>
      </div>
    </ThemeContext.Provider>
  );
}
