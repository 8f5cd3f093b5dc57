//! Hash routes (`#/runs/<id>`, `#/compare?runs=a,b`): parsing and building, so the app works from `file://`, from
//! `serve` and inside Tauri without server-side routing. Pure (tested in routes.test.ts).

export type Route =
  | { page: 'overview' }
  | { page: 'runs'; filter: string }
  | { page: 'run'; id: string }
  | { page: 'compare'; ids: string[] }
  | { page: 'models'; name: string | null }
  | { page: 'evals'; id: string | null }
  | { page: 'abtests' }
  | { page: 'monitoring' }
  | { page: 'settings' }
  | { page: 'notfound'; path: string };

export const NAV: { page: Route['page']; label: string; href: string }[] = [
  { page: 'overview', label: 'Overview', href: '#/' },
  { page: 'runs', label: 'Experiments & runs', href: '#/runs' },
  { page: 'models', label: 'Models', href: '#/models' },
  { page: 'evals', label: 'Evaluations', href: '#/evals' },
  { page: 'abtests', label: 'A/B tests', href: '#/abtests' },
  { page: 'monitoring', label: 'Monitoring', href: '#/monitoring' },
  { page: 'settings', label: 'Settings', href: '#/settings' },
];

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = raw.split('?', 2);
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [head, arg] = parts;
  switch (head) {
    case undefined:
      return { page: 'overview' };
    case 'runs':
      return arg ? { page: 'run', id: arg } : { page: 'runs', filter: params.get('filter') ?? '' };
    case 'compare':
      return { page: 'compare', ids: (params.get('runs') ?? '').split(',').filter(Boolean) };
    case 'models':
      return { page: 'models', name: arg ?? null };
    case 'evals':
      return { page: 'evals', id: arg ?? null };
    case 'abtests':
    case 'monitoring':
    case 'settings':
      return { page: head };
    default:
      return { page: 'notfound', path };
  }
}

export const href = {
  run: (id: string) => `#/runs/${encodeURIComponent(id)}`,
  runs: (filter: string) => (filter ? `#/runs?filter=${encodeURIComponent(filter)}` : '#/runs'),
  compare: (ids: string[]) => `#/compare?runs=${ids.map(encodeURIComponent).join(',')}`,
  model: (name: string) => `#/models/${encodeURIComponent(name)}`,
  evaluation: (id: string) => `#/evals/${encodeURIComponent(id)}`,
};
