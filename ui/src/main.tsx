//! Entry point: mounts the app shell inside the one TanStack QueryClient (defaults in lib/query.ts).
//!
//! Layout: `app/` (shell, hash routes, theme), `features/<feature>/{api.ts,components/}` (one typed function and hook
//! per operation), `components/{ui,charts}/`, `lib/`.
//!
//! Charts: `components/charts/Chart.tsx` owns the ECharts instance (init, `setOption`, a ResizeObserver, dispose, the
//! light and dark theme). ECharts is loaded lazily on first use (`components/charts/echarts.ts`), so the runs page
//! boots without parsing the chart library. `lib/downsample.ts` has largest-triangle-three-buckets (one point per plot
//! pixel) and min/max per pixel bucket (two per pixel, keeps every spike). `components/charts/MetricChart.tsx` measures
//! the plot width and thins each series to it; the built chart is memoised. When a zoom or pan settles for 120 ms it
//! re-thins for the window (`downsampleWindow` in `components/charts/options.ts`): the points in the window plus one on
//! each side get the whole plot width, the points outside keep a share proportional to the x span they cover, so the
//! slider's overview and the axis extent stay put; the window is part of the new option, so the zoom stays where the
//! user put it.

import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { createQueryClient } from './lib/query';
import './app/styles.css';

const queryClient = createQueryClient();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}
