// Chart option tests: metric series built from histories and downsampled to the plot width (10 runs × 10k points),
// trends. The downsampling algorithms themselves are tested in lib/downsample.test.ts.
import { describe, expect, it } from 'vitest';
import { zoomWindow } from './Chart';
import { buildMetricChart, downsampleWindow, metricChartOption, plotWidth, trendOption, type XY } from './options';

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

describe('zoomed charts re-thin the window', () => {
  const full = series(10_000, 3);
  const inWindow = (pts: readonly XY[], from: number, to: number) => pts.filter((p) => p[0] >= from && p[0] <= to);

  it('gives the window the whole width, keeps both ends and only real points in order', () => {
    const unzoomed = metricChartOption('l', [{ name: 'r', points: full.map(([step, value]) => ({ step, value })) }], 400);
    const whole = inWindow((unzoomed as { series: { data: XY[] }[] }).series[0]?.data ?? [], 2000, 2999);
    const w = downsampleWindow(full, 400, 'lttb', 2000, 2999);
    const zoomedIn = inWindow(w.data, 2000, 2999);
    // A tenth of the extent: the unzoomed line has about 40 points there, the zoomed one up to the plot width.
    expect(whole.length).toBeLessThan(60);
    expect(zoomedIn.length).toBeGreaterThan(350);
    expect(zoomedIn.length).toBeLessThanOrEqual(400);
    expect(w.inside).toBe(1000);
    expect(w.shownInside).toBe(zoomedIn.length);
    expect(w.data[0]).toBe(full[0]);
    expect(w.data[w.data.length - 1]).toBe(full[full.length - 1]);
    const index = new Map(full.map((p, i) => [p, i]));
    let prev = -1;
    for (const p of w.data) {
      const i = index.get(p);
      expect(i).toBeDefined();
      expect(i as number).toBeGreaterThan(prev);
      prev = i as number;
    }
    // One point beyond each edge, so the line runs to the plot's borders.
    expect(w.data).toContain(full[1999]);
    expect(w.data).toContain(full[3000]);
  });

  it('a window narrower than the plot is drawn point for point', () => {
    const w = downsampleWindow(full, 400, 'minmax', 5000, 5099);
    expect(inWindow(w.data, 5000, 5099)).toEqual(full.slice(5000, 5100));
    expect(w.inside).toBe(100);
  });

  it('buildMetricChart maps the zoom percentages to steps and keeps the window in the option', () => {
    const runs = [0, 1].map((r) => ({ name: `r${r}`, points: series(10_000, r + 5).map(([step, value]) => ({ step, value })) }));
    const b = buildMetricChart('loss', runs, { width: 300, zoom: { start: 50, end: 60 } });
    expect(b.zoomed?.from).toBeCloseTo(0.5 * 9_999, 6);
    expect(b.zoomed?.to).toBeCloseTo(0.6 * 9_999, 6);
    expect(b.zoomed?.points).toBe(2 * 1000);
    const opt = b.option as { dataZoom: { start?: number; end?: number }[]; series: { data: XY[] }[] };
    expect(opt.dataZoom.map((d) => [d.start, d.end])).toEqual([[50, 60], [50, 60]]);
    for (const s of opt.series) expect(inWindow(s.data, b.zoomed?.from ?? 0, b.zoomed?.to ?? 0).length).toBeGreaterThan(250);
    // Unzoomed, and "show all points", report no window.
    expect(buildMetricChart('loss', runs, { width: 300, zoom: { start: 0, end: 100 } }).zoomed).toBeNull();
    expect(buildMetricChart('loss', runs, { width: 300, sampling: 'none', zoom: { start: 50, end: 60 } }).zoomed).toBeNull();
  });

  it('reads the window from both kinds of datazoom event', () => {
    expect(zoomWindow({ start: 10, end: 20 })).toEqual({ start: 10, end: 20 });
    expect(zoomWindow({ batch: [{ start: 5, end: 7.5 }] })).toEqual({ start: 5, end: 7.5 });
    expect(zoomWindow({ batch: [{ startValue: 5 }] })).toBeNull();
    expect(zoomWindow({})).toBeNull();
  });
});
