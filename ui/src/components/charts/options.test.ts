// Chart option tests: metric series built from histories and downsampled to the plot width (10 runs × 10k points),
// trends. The downsampling algorithms themselves are tested in lib/downsample.test.ts.
import { describe, expect, it } from 'vitest';
import { buildMetricChart, metricChartOption, plotWidth, trendOption, type XY } from './options';

/** A deterministic noisy curve with one planted spike and one planted dip. */
function series(n: number, seed: number): XY[] {
  const pts: XY[] = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    pts.push([i, Math.sin(i / 500) + (s / 2147483648 - 0.5) * 0.2]);
  }
  (pts[1234 + seed] as XY)[1] = 50; // spike
  (pts[7777 - seed] as XY)[1] = -50; // dip
  return pts;
}

describe('metricChartOption', () => {
  it('makes one line series per run, sorted by step and downsampled', () => {
    const runs = Array.from({ length: 10 }, (_, r) => ({
      name: `run-${r}`,
      points: series(10_000, r + 1)
        .reverse()
        .map(([step, value]) => ({ step, value })),
    }));
    const opt = metricChartOption('loss', runs, 640) as { series: { name: string; type: string; data: XY[] }[] };
    expect(opt.series.map((s) => s.name)).toEqual(runs.map((r) => r.name));
    for (const s of opt.series) {
      expect(s.type).toBe('line');
      expect(s.data.length).toBeLessThanOrEqual(640);
      for (let i = 1; i < s.data.length; i++) expect((s.data[i] as XY)[0]).toBeGreaterThan((s.data[i - 1] as XY)[0]);
      expect(s.data[0]?.[0]).toBe(0);
      expect(s.data[s.data.length - 1]?.[0]).toBe(9_999);
    }
  });

  it('trend percentages are scaled to 0..100 and sorted by time', () => {
    const opt = trendOption('Success', [{ ts: 20, value: 0.5 }, { ts: 10, value: 0.25 }], 'pct') as { series: { data: number[][] }[] };
    expect(opt.series[0]?.data).toEqual([[10, 25], [20, 50]]);
  });
});

describe('non-finite values', () => {
  it('drops null points (NaN/∞ arrive as JSON null) instead of drawing them at 0', () => {
    const opt = metricChartOption('acc', [
      { name: 'r', points: [{ step: 2, value: 0.5 }, { step: 1, value: null }, { step: 0, value: 0.25 }] },
    ]) as { series: { data: XY[] }[] };
    expect(opt.series[0]?.data).toEqual([[0, 0.25], [2, 0.5]]);
  });
});

describe('buildMetricChart', () => {
  const runs = Array.from({ length: 10 }, (_, r) => ({
    name: `run-${r}`,
    points: series(10_000, r + 1).map(([step, value]) => ({ step, value: step % 1000 === 7 ? null : value })),
  }));
  type Opt = { series: { data: XY[]; sampling?: string }[] };

  it('counts finite points before and after downsampling, so the chart can say "downsampled from N"', () => {
    const b = buildMetricChart('loss', runs, { width: 500, sampling: 'lttb' });
    expect(b.totalPoints).toBe(10 * (10_000 - 10)); // ten nulls per run are dropped
    expect(b.shownPoints).toBe((b.option as Opt).series.reduce((n, s) => n + s.data.length, 0));
    expect(b.shownPoints).toBeLessThanOrEqual(10 * 500);
    expect(b.downsampled).toBe(true);
  });

  it('min/max keeps every run’s planted spike and dip', () => {
    const b = buildMetricChart('loss', runs, { width: 300, sampling: 'minmax' });
    for (const s of (b.option as Opt).series) {
      expect(Math.max(...s.data.map((p) => p[1]))).toBe(50);
      expect(Math.min(...s.data.map((p) => p[1]))).toBe(-50);
      expect(s.data.length).toBeLessThanOrEqual(2 * 300 + 2);
    }
  });

  it('hands ECharts everything for none and for its own LTTB (which it then applies itself)', () => {
    for (const sampling of ['none', 'echarts-lttb'] as const) {
      const b = buildMetricChart('loss', runs, { width: 300, sampling });
      expect(b.shownPoints).toBe(b.totalPoints);
      expect(b.downsampled).toBe(false);
      const first = (b.option as Opt).series[0];
      expect(first?.sampling).toBe(sampling === 'echarts-lttb' ? 'lttb' : undefined);
    }
  });

  it('short series are passed through whole and not reported as downsampled', () => {
    const short = [{ name: 'a', points: [{ step: 0, value: 1 }, { step: 1, value: 2 }] }];
    const b = buildMetricChart('x', short, { width: 600 });
    expect(b.downsampled).toBe(false);
    expect((b.option as Opt).series[0]?.data).toEqual([[0, 1], [1, 2]]);
  });

  it('plot width subtracts the grid margins and never collapses', () => {
    expect(plotWidth(800)).toBe(800 - 56 - 16);
    expect(plotWidth(10)).toBe(50);
  });
});
