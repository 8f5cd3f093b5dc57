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

export interface MetricChartBuild {
  option: EChartsCoreOption;
  /** Finite points across all series before downsampling. */
  totalPoints: number;
  /** Points handed to ECharts (equal to `totalPoints` for `none` and `echarts-lttb`). */
  shownPoints: number;
  /** True when our downsampling dropped points (the chart says so). */
  downsampled: boolean;
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
  { width, sampling = DEFAULT_SAMPLING }: { width: number; sampling?: ChartSampling },
): MetricChartBuild {
  let totalPoints = 0;
  let shownPoints = 0;
  const lines = series.map((s) => {
    const full = finitePoints(s.points);
    const data = sampling === 'echarts-lttb' ? full : downsample(full, width, sampling);
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
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 4 }],
    animation: false,
    series: lines,
  };
  return { option, totalPoints, shownPoints, downsampled: shownPoints < totalPoints };
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
