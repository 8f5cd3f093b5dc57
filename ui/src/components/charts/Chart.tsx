//! THE chart wrapper: the only component that touches ECharts. It owns the chart's lifecycle — load ECharts on first
//! use (a separate chunk), init on mount (with the current theme), setOption on every option change, resize with the
//! container (ResizeObserver), dispose on unmount, and re-create when the theme flips. With `timing`, each new
//! option's render time (from `timing.start`, e.g. before the option was built, to ECharts' `finished` event) is
//! recorded as a User Timing measure that `ui/bench/ui-bench.mjs` reads with `performance.getEntriesByName`. With
//! `onZoom`, data-zoom changes are reported so the owner can re-thin its data for the new window.

import type { ECharts, EChartsCoreOption } from 'echarts/core';
import { useEffect, useRef, useState } from 'react';
import { useTheme } from '../../app/theme';

/** ECharts, fetched once on the first chart's mount (a separate chunk; see echarts.ts). */
let echartsModule: Promise<typeof import('./echarts')> | null = null;
const loadEcharts = () => {
  if (!echartsModule) {
    const start = performance.now();
    echartsModule = import('./echarts');
    // Its own User Timing measure, so chart render times can be read with and without this one-off cost.
    void echartsModule.then(() => performance.measure('echarts-load', { start, end: performance.now() }));
  }
  return echartsModule;
};

export interface ChartProps {
  option: EChartsCoreOption;
  height?: number;
  /** Accessible description of what the chart shows (charts are canvas: screen readers read this). */
  label: string;
  /** Record `start` → rendered as the `performance.measure` named `name` (once per option). */
  timing?: { name: string; start: number };
  /** Called with the x window (percent of the data extent) after the user zooms or pans with a data zoom. */
  onZoom?: (window: { start: number; end: number }) => void;
}

/** The window of a `datazoom` event: the slider sends `start`/`end`, the inside zoom a one-entry `batch`. */
export function zoomWindow(event: unknown): { start: number; end: number } | null {
  const e = event as { start?: unknown; end?: unknown; batch?: { start?: unknown; end?: unknown }[] };
  const src = Array.isArray(e.batch) && e.batch.length > 0 ? e.batch[0] : e;
  if (!src || typeof src.start !== 'number' || typeof src.end !== 'number') return null;
  return { start: src.start, end: src.end };
}

export function Chart({ option, height = 260, label, timing, onZoom }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | null>(null);
  const [instances, setInstances] = useState(0);
  const theme = useTheme();
  const onZoomRef = useRef(onZoom);
  onZoomRef.current = onZoom;

  // Create per theme (once ECharts is loaded); dispose on theme change and unmount.
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    let live = true;
    let cleanup = () => {};
    loadEcharts().then(
      ({ echarts }) => {
        if (!live) return;
        const instance = echarts.init(node, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
        chart.current = instance;
        const observer = new ResizeObserver(() => instance.resize());
        observer.observe(node);
        instance.on('datazoom', (event: unknown) => {
          const w = zoomWindow(event);
          if (w) onZoomRef.current?.(w);
        });
        cleanup = () => {
          observer.disconnect();
          instance.dispose();
          chart.current = null;
        };
        setInstances((n) => n + 1);
      },
      (e: unknown) => console.error('could not load the chart library', e),
    );
    return () => {
      live = false;
      cleanup();
    };
  }, [theme]);

  // Apply options (after the instance exists for this theme).
  const timed = useRef<EChartsCoreOption | null>(null);
  const timingRef = useRef(timing);
  timingRef.current = timing;
  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    let onFinished: (() => void) | null = null;
    const timing = timingRef.current;
    if (timing && timed.current !== option) {
      timed.current = option;
      const { name, start } = timing;
      const done = () => {
        instance.off('finished', done);
        performance.measure(name, { start, end: performance.now() });
      };
      onFinished = done;
      instance.on('finished', done);
    }
    instance.setOption({ backgroundColor: 'transparent', ...option }, { notMerge: true, lazyUpdate: true });
    return () => {
      if (onFinished) instance.off('finished', onFinished);
    };
  }, [option, instances]);

  return <div ref={el} role="img" aria-label={label} className="chart" style={{ height }} />;
}
