//! Chart option building: the ECharts options for metric histories (downsampled to the plot width with
//! `lib/downsample`), trends and rate bars. Pure (tested in options.test.ts); `Chart.tsx` only renders what these return.

import type { EChartsCoreOption } from 'echarts/core';
import { DOWNSAMPLE_MODES, downsample, type DownsampleMode, type XY } from '../../lib/downsample';

export type { XY } from '../../lib/downsample';

/**
 * How metric series are thinned before drawing: our LTTB or min/max per pixel bucket (done before `setOption`),
 * ECharts' own LTTB (`sampling: 'lttb'` on the full data), or nothing. The default was picked with the figures of
 * `ui/bench/ui-bench.mjs` (README "UI performance").
 */
export type ChartSampling = DownsampleMode | 'echarts-lttb';
export const CHART_SAMPLINGS: readonly ChartSampling[] = [...DOWNSAMPLE_MODES, 'echarts-lttb'];
export const DEFAULT_SAMPLING: ChartSampling = 'lttb';

export interface MetricSeries {
  /** Legend label, e.g. a run name. */
  name: string;
  /** `value` is null where the backend stored a non-finite number (NaN/∞ travel as JSON null): drawn as a gap. */
  points: readonly { step: number; value: number | null }[];
}

/** Horizontal space the metric chart's grid takes from the container (axis labels left, margin right). */
export const METRIC_GRID = { left: 56, right: 16 } as const;

/** Pixels available to the lines in a container `containerWidth` wide (never below 50). */
export function plotWidth(containerWidth: number): number {
  return Math.max(50, Math.floor(containerWidth) - METRIC_GRID.left - METRIC_GRID.right);
}

/** The window the user zoomed the x axis to, in percent of the data's x extent (ECharts dataZoom `start`/`end`). */
export interface ZoomWindow {
  start: number;
  end: number;
}

export interface MetricChartBuild {
  option: EChartsCoreOption;
  /** Finite points across all series before downsampling. */
  totalPoints: number;
  /** Points handed to ECharts (equal to `totalPoints` for `none` and `echarts-lttb`). */
  shownPoints: number;
  /** True when our downsampling dropped points (the chart says so). */
  downsampled: boolean;
  /** With a zoom window: the x range it covers, and the finite points inside it before and after downsampling. */
  zoomed: { from: number; to: number; points: number; shown: number } | null;
}

/** Index of the first point with x ≥ `x` (or, `after`, x > `x`); points sorted by x. */
function bound(points: readonly XY[], x: number, after = false): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const px = (points[mid] as XY)[0];
    if (px < x || (after && px === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A series thinned for a zoomed chart: the points from the one before `from` to the one after `to` (so the line
 * reaches the plot's edges) get the whole plot `width`; the points left and right of that keep a share of `width`
 * proportional to the x span they cover, so the data zoom's overview and the series' extent stay as they were. Every
 * output point is an input point, in input order.
 */
export function downsampleWindow(
  full: readonly XY[],
  width: number,
  mode: DownsampleMode,
  from: number,
  to: number,
): { data: XY[]; inside: number; shownInside: number } {
  const a = Math.max(0, bound(full, from) - 1);
  const b = Math.min(full.length, bound(full, to, true) + 1);
  const inside = full.slice(a, b);
  const first = full[0];
  const last = full[full.length - 1];
  const span = first && last ? last[0] - first[0] : 0;
  const share = (part: readonly XY[]) => {
    if (part.length === 0) return [];
    const pf = part[0] as XY;
    const pl = part[part.length - 1] as XY;
    const px = span > 0 ? Math.max(3, Math.ceil((width * (pl[0] - pf[0])) / span)) : 3;
    return downsample(part, px, mode);
  };
  const shown = downsample(inside, width, mode);
  const strictlyInside = (pts: readonly XY[]) => pts.reduce((n, p) => (p[0] >= from && p[0] <= to ? n + 1 : n), 0);
  return {
    data: [...share(full.slice(0, a)), ...shown, ...share(full.slice(b))],
    inside: strictlyInside(inside),
    shownInside: strictlyInside(shown),
  };
}

/** Finite points of a series, sorted by step, as `[step, value]`. */
export function finitePoints(points: MetricSeries['points']): XY[] {
  const out: XY[] = [];
  let sorted = true;
  for (const p of points) {
    if (p.value === null || !Number.isFinite(p.value)) continue;
    if (out.length && (out[out.length - 1] as XY)[0] > p.step) sorted = false;
    out.push([p.step, p.value]);
  }
  if (!sorted) out.sort((a, b) => a[0] - b[0]);
  return out;
}

/**
 * One line per series, x = step, zoomable; each series thinned to `width` (the plot width in pixels) with `sampling`.
 * Also reports how many points were drawn out of how many, for the chart's "downsampled from N points" note.
 */
export function buildMetricChart(
  title: string,
  series: readonly MetricSeries[],
  { width, sampling = DEFAULT_SAMPLING, zoom = null }: { width: number; sampling?: ChartSampling; zoom?: ZoomWindow | null },
): MetricChartBuild {
  let totalPoints = 0;
  let shownPoints = 0;
  const fulls = series.map((s) => finitePoints(s.points));
  // The zoom window in x: dataZoom percentages are of the x extent of all series together.
  let range: { from: number; to: number } | null = null;
  const partial = zoom !== null && (zoom.start > 0 || zoom.end < 100);
  if (partial && sampling !== 'none' && sampling !== 'echarts-lttb') {
    let lo = Infinity;
    let hi = -Infinity;
    for (const f of fulls) {
      if (f.length === 0) continue;
      lo = Math.min(lo, (f[0] as XY)[0]);
      hi = Math.max(hi, (f[f.length - 1] as XY)[0]);
    }
    if (lo < hi) range = { from: lo + ((hi - lo) * zoom.start) / 100, to: lo + ((hi - lo) * zoom.end) / 100 };
  }
  let inside = 0;
  let shownInside = 0;
  const lines = series.map((s, i) => {
    const full = fulls[i] as XY[];
    let data: XY[];
    if (sampling === 'echarts-lttb') data = full;
    else if (range) {
      const w = downsampleWindow(full, width, sampling, range.from, range.to);
      data = w.data;
      inside += w.inside;
      shownInside += w.shownInside;
    } else data = downsample(full, width, sampling);
    totalPoints += full.length;
    shownPoints += data.length;
    return {
      name: s.name,
      type: 'line',
      // Few points (e.g. one final value per run) would be invisible as a bare line: mark them.
      showSymbol: full.length <= 50,
      ...(sampling === 'echarts-lttb' ? { sampling: 'lttb' } : {}),
      data,
    };
  });
  const option: EChartsCoreOption = {
    title: { text: title, left: 0, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    legend: { show: series.length > 1, top: 24, left: 0, type: 'scroll' },
    grid: { left: METRIC_GRID.left, right: METRIC_GRID.right, top: 48, bottom: 56 },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 24, scale: true },
    yAxis: { type: 'value', scale: true },
    // The window is part of the option, so replacing the option (new data for a new window) keeps the zoom.
    dataZoom: [
      { type: 'inside', ...(zoom ?? {}) },
      { type: 'slider', height: 16, bottom: 4, ...(zoom ?? {}) },
    ],
    animation: false,
    series: lines,
  };
  const zoomed = range ? { ...range, points: inside, shown: shownInside } : null;
  return { option, totalPoints, shownPoints, downsampled: shownPoints < totalPoints, zoomed };
}

/** The option alone (see `buildMetricChart`); `width` defaults to a typical half-page plot. */
export function metricChartOption(
  title: string,
  series: readonly MetricSeries[],
  width = 600,
  sampling: ChartSampling = DEFAULT_SAMPLING,
): EChartsCoreOption {
  return buildMetricChart(title, series, { width, sampling }).option;
}

export interface TrendPoint {
  /** UTC milliseconds. */
  ts: number;
  value: number;
}

/** A time-axis line (e.g. success rate or cost per evaluation over time). */
export function trendOption(title: string, points: readonly TrendPoint[], unit: 'pct' | 'usd' | 'plain'): EChartsCoreOption {
  const fmt = unit === 'pct' ? '{value}%' : unit === 'usd' ? '${value}' : '{value}';
  const data = [...points].sort((a, b) => a.ts - b.ts).map((p) => [p.ts, unit === 'pct' ? p.value * 100 : p.value]);
  return {
    title: { text: title, left: 0, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 56, right: 16, top: 40, bottom: 28 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', axisLabel: { formatter: fmt }, ...(unit === 'pct' ? { min: 0, max: 100 } : { scale: true }) },
    animation: false,
    series: [{ type: 'line', name: title, showSymbol: data.length < 50, data }],
  };
}

export interface RateBar {
  label: string;
  rate: number;
  /** 95% confidence interval of the rate, when known. */
  low?: number | null;
  high?: number | null;
}

/** Success rates as bars with confidence-interval whiskers (a custom series draws the interval). */
export function rateBarsOption(title: string, bars: readonly RateBar[]): EChartsCoreOption {
  return {
    title: { text: title, left: 0, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    grid: { left: 56, right: 16, top: 32, bottom: 28 },
    xAxis: { type: 'category', data: bars.map((b) => b.label) },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
    animation: false,
    series: [
      { type: 'bar', name: 'success rate', data: bars.map((b) => +(b.rate * 100).toFixed(2)), barMaxWidth: 48 },
      {
        type: 'line',
        name: '95% CI low',
        data: bars.map((b) => (b.low == null ? null : +(b.low * 100).toFixed(2))),
        lineStyle: { opacity: 0 },
        symbol: 'rect',
        symbolSize: [16, 2],
      },
      {
        type: 'line',
        name: '95% CI high',
        data: bars.map((b) => (b.high == null ? null : +(b.high * 100).toFixed(2))),
        lineStyle: { opacity: 0 },
        symbol: 'rect',
        symbolSize: [16, 2],
      },
    ],
  };
}
