//! A metric-over-steps line chart (run detail: one series; compare runs: one series per run). Measures its own width
//! so the series are downsampled to the plot's pixel width, says "downsampled from N points" under the chart with a
//! button to draw every point, and records User Timing measures: `metric-chart-build:<title>` (series built and
//! downsampled) and `metric-chart:<title>` (build + setOption → ECharts `finished`). Zooming or panning re-thins the
//! series for the new window once it settles (`downsampleWindow`), so a zoomed-in chart shows the detail that the
//! whole-extent downsampling dropped.

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { num } from '../../lib/format';
import { Chart } from './Chart';
import {
  CHART_SAMPLINGS,
  DEFAULT_SAMPLING,
  buildMetricChart,
  plotWidth,
  type ChartSampling,
  type MetricSeries,
  type ZoomWindow,
} from './options';

/**
 * Developer override of the sampling (`lttb`, `minmax`, `none`, `echarts-lttb`) in localStorage, read once per
 * chart; the UI bench uses it to compare the strategies on the real pages.
 */
export const SAMPLING_STORAGE_KEY = 'browser-ai-mlops.chart-sampling';

function storedSampling(): ChartSampling {
  try {
    const v = globalThis.localStorage?.getItem(SAMPLING_STORAGE_KEY);
    return CHART_SAMPLINGS.find((s) => s === v) ?? DEFAULT_SAMPLING;
  } catch {
    return DEFAULT_SAMPLING; // storage disabled
  }
}

const LABEL: Record<ChartSampling, string> = {
  lttb: 'largest-triangle-three-buckets',
  minmax: 'min/max per pixel',
  none: 'none',
  'echarts-lttb': 'ECharts LTTB',
};

/** Widths are rounded to this many pixels so small resizes do not rebuild the series. */
const WIDTH_STEP = 32;

/** A zoom or pan settles for this long before the series are thinned again for the new window. */
const ZOOM_SETTLE_MS = 120;

export interface MetricChartProps {
  title: string;
  series: readonly MetricSeries[];
  height?: number;
  label: string;
}

export function MetricChart({ title, series, height = 240, label }: MetricChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [preferred] = useState(storedSampling);
  const [showAll, setShowAll] = useState(false);
  const sampling: ChartSampling = showAll ? 'none' : preferred;
  // The zoom window the series are thinned for (null: the whole extent), kept with the series it was set on, so new
  // data starts unzoomed without a second build.
  const [zoomed, setZoomed] = useState<{ series: readonly MetricSeries[]; window: ZoomWindow } | null>(null);
  const zoom = zoomed && zoomed.series === series ? zoomed.window : null;
  const settle = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (settle.current) clearTimeout(settle.current);
  }, []);
  const onZoom = useCallback(
    (w: ZoomWindow) => {
      if (settle.current) clearTimeout(settle.current);
      settle.current = setTimeout(() => {
        const full = w.start <= 0 && w.end >= 100;
        setZoomed((z) =>
          full ? null : z && z.series === series && z.window.start === w.start && z.window.end === w.end ? z : { series, window: w },
        );
      }, ZOOM_SETTLE_MS);
    },
    [series],
  );

  useLayoutEffect(() => {
    const node = box.current;
    if (!node) return;
    const measure = () => setWidth(Math.max(WIDTH_STEP, Math.round(node.clientWidth / WIDTH_STEP) * WIDTH_STEP));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  const built = useMemo(() => {
    if (width === 0) return null;
    const start = performance.now();
    const result = buildMetricChart(title, series, { width: plotWidth(width), sampling, zoom });
    performance.measure(`metric-chart-build:${title}`, { start, end: performance.now() });
    return { ...result, start };
  }, [title, series, width, sampling, zoom]);

  return (
    <div ref={box} style={{ minWidth: 0 }}>
      {built ? (
        <>
          <Chart
            option={built.option}
            height={height}
            label={label}
            timing={{ name: `metric-chart:${title}`, start: built.start }}
            onZoom={onZoom}
          />
          {built.downsampled || showAll ? (
            <div className="muted" style={{ fontSize: 12 }} data-testid="chart-sampling-note">
              {showAll
                ? `all ${num(built.totalPoints, 0)} points drawn · `
                : built.zoomed
                  ? `zoomed to steps ${num(built.zoomed.from, 0)}–${num(built.zoomed.to, 0)}: ${num(built.zoomed.shown, 0)} of its ${num(built.zoomed.points, 0)} points drawn (${LABEL[sampling]}, to the plot width) · `
                  : `downsampled from ${num(built.totalPoints, 0)} to ${num(built.shownPoints, 0)} points (${LABEL[sampling]}, to the plot width) · `}
              <button type="button" style={{ padding: '0 6px', fontSize: 12 }} onClick={() => setShowAll((v) => !v)}>
                {showAll ? 'downsample' : 'show all points'}
              </button>
            </div>
          ) : null}
        </>
      ) : (
        <div style={{ height }} />
      )}
    </div>
  );
}
