//! Chart option building: min/max-preserving downsampling and the ECharts options for metric histories and trends.
//! Pure (tested in options.test.ts); `Chart.tsx` only renders what these return.

import type { EChartsCoreOption } from 'echarts/core';

export type XY = [number, number];

/**
 * Reduce `points` (sorted by x) to at most `maxPoints`, keeping each bucket's minimum and maximum (in x order) plus
 * the first and last point, so spikes and the overall range survive. `maxPoints` below 4 is raised to 4.
 */
export function downsampleMinMax(points: readonly XY[], maxPoints: number): XY[] {
  const limit = Math.max(4, Math.floor(maxPoints));
  const n = points.length;
  if (n <= limit) return points.slice();
  const first = points[0] as XY;
  const last = points[n - 1] as XY;
  const inner = n - 2;
  const buckets = Math.floor((limit - 2) / 2);
  const size = inner / buckets;
  const out: XY[] = [first];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = 1 + Math.min(inner, Math.floor((b + 1) * size)); // exclusive
    if (to <= from) continue;
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      const y = (points[i] as XY)[1];
      if (y < (points[lo] as XY)[1]) lo = i;
      if (y > (points[hi] as XY)[1]) hi = i;
    }
    if (lo === hi) out.push(points[lo] as XY);
    else if (lo < hi) out.push(points[lo] as XY, points[hi] as XY);
    else out.push(points[hi] as XY, points[lo] as XY);
  }
  out.push(last);
  return out;
}

export interface MetricSeries {
  /** Legend label, e.g. a run name. */
  name: string;
  /** `value` is null where the backend stored a non-finite number (NaN/∞ travel as JSON null): drawn as a gap. */
  points: readonly { step: number; value: number | null }[];
}

/** Points per series the overlay chart draws at most (10 runs × 10k points → 10 × this). */
export const MAX_POINTS_PER_SERIES = 1000;

/** One line per series, x = step, downsampled to `maxPoints` each; zoomable. */
export function metricChartOption(
  title: string,
  series: readonly MetricSeries[],
  maxPoints = MAX_POINTS_PER_SERIES,
): EChartsCoreOption {
  return {
    title: { text: title, left: 0, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' },
    legend: { show: series.length > 1, top: 24, left: 0, type: 'scroll' },
    grid: { left: 56, right: 16, top: 48, bottom: 56 },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 24, scale: true },
    yAxis: { type: 'value', scale: true },
    dataZoom: [{ type: 'inside' }, { type: 'slider', height: 16, bottom: 4 }],
    animation: false,
    series: series.map((s) => ({
      name: s.name,
      type: 'line',
      // Few points (e.g. one final value per run) would be invisible as a bare line: mark them.
      showSymbol: s.points.length <= 50,
      data: downsampleMinMax(
        s.points
          .filter((p): p is { step: number; value: number } => p.value !== null && Number.isFinite(p.value))
          .sort((a, b) => a.step - b.step)
          .map((p): XY => [p.step, p.value]),
        maxPoints,
      ),
    })),
  };
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
