// Chart option tests: min/max-preserving downsampling (10 runs × 10k points) and series built from metric histories.
import { describe, expect, it } from 'vitest';
import { MAX_POINTS_PER_SERIES, downsampleMinMax, metricChartOption, trendOption, type XY } from './options';

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

describe('downsampleMinMax', () => {
  it('returns short inputs unchanged', () => {
    const pts: XY[] = [[0, 1], [1, 2], [2, 0]];
    expect(downsampleMinMax(pts, 10)).toEqual(pts);
  });

  it('bounds 10 runs × 10k points and keeps each run’s min, max, first and last, in x order', () => {
    let total = 0;
    for (let run = 0; run < 10; run++) {
      const pts = series(10_000, run + 1);
      const out = downsampleMinMax(pts, 1000);
      total += out.length;
      expect(out.length).toBeLessThanOrEqual(1000);
      expect(out.length).toBeGreaterThan(900);
      expect(Math.max(...out.map((p) => p[1]))).toBe(50);
      expect(Math.min(...out.map((p) => p[1]))).toBe(-50);
      expect(out[0]).toEqual(pts[0]);
      expect(out[out.length - 1]).toEqual(pts[pts.length - 1]);
      for (let i = 1; i < out.length; i++) expect((out[i] as XY)[0]).toBeGreaterThan((out[i - 1] as XY)[0]);
    }
    expect(total).toBeLessThanOrEqual(10 * 1000);
  });

  it('keeps every output point an input point', () => {
    const pts = series(10_000, 3);
    const set = new Set(pts.map((p) => `${p[0]}:${p[1]}`));
    for (const p of downsampleMinMax(pts, 100)) expect(set.has(`${p[0]}:${p[1]}`)).toBe(true);
  });
});

describe('metricChartOption', () => {
  it('makes one line series per run, sorted by step and downsampled', () => {
    const runs = Array.from({ length: 10 }, (_, r) => ({
      name: `run-${r}`,
      points: series(10_000, r + 1)
        .reverse()
        .map(([step, value]) => ({ step, value })),
    }));
    const opt = metricChartOption('loss', runs) as { series: { name: string; type: string; data: XY[] }[] };
    expect(opt.series.map((s) => s.name)).toEqual(runs.map((r) => r.name));
    for (const s of opt.series) {
      expect(s.type).toBe('line');
      expect(s.data.length).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
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
