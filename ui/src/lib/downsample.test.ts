// Downsampling properties: bounded length, first/last kept, extremes kept (min/max), x order preserved, no invented
// points, exact pass-through at or below the target — on noisy curves with planted spikes and uneven x spacing.
import { describe, expect, it } from 'vitest';
import { downsample, lttb, minMax, type XY } from './downsample';

/** A deterministic noisy curve (LCG noise) with a spike and a dip planted at `seed`-dependent indexes. */
function curve(n: number, seed: number, unevenX = false): XY[] {
  const pts: XY[] = [];
  let s = seed;
  let x = 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x += unevenX ? 1 + (s % 7) : 1;
    pts.push([x, Math.sin(i / 400) + (s / 2147483648 - 0.5) * 0.3]);
  }
  if (n > 100) {
    (pts[Math.floor(n / 3) + seed] as XY)[1] = 40;
    (pts[Math.floor((2 * n) / 3) - seed] as XY)[1] = -40;
  }
  return pts;
}

const key = (p: XY) => `${p[0]}:${p[1]}`;

function expectSubsequence(out: XY[], input: XY[]) {
  // Every output point is an input point, and they appear in input order (which is x order).
  const index = new Map(input.map((p, i) => [key(p), i]));
  let last = -1;
  for (const p of out) {
    const i = index.get(key(p));
    expect(i, `point ${key(p)} is not an input point`).toBeDefined();
    expect(i as number).toBeGreaterThan(last);
    last = i as number;
  }
}

describe.each([
  ['lttb', lttb],
  ['minMax', minMax],
] as const)('%s', (_name, fn) => {
  it('passes inputs at or below the target through unchanged (a copy, not the same array)', () => {
    const pts = curve(500, 1);
    const out = fn(pts, 500);
    expect(out).toEqual(pts);
    expect(out).not.toBe(pts);
    expect(fn([], 10)).toEqual([]);
    expect(fn([[1, 2]], 10)).toEqual([[1, 2]]);
  });

  it.each([10, 101, 640, 1999])('bounds the output to the target (%i), keeps first and last, preserves order', (target) => {
    for (const uneven of [false, true]) {
      const pts = curve(10_000, 3, uneven);
      const out = fn(pts, target);
      expect(out.length).toBeLessThanOrEqual(target);
      expect(out.length).toBeGreaterThan(target / 2);
      expect(out[0]).toBe(pts[0]);
      expect(out[out.length - 1]).toBe(pts[pts.length - 1]);
      expectSubsequence(out, pts);
    }
  });

  it('raises a degenerate target instead of dropping the endpoints', () => {
    const pts = curve(50, 2);
    const out = fn(pts, 1);
    expect(out.length).toBeGreaterThanOrEqual(3);
    expect(out[0]).toBe(pts[0]);
    expect(out[out.length - 1]).toBe(pts[49]);
  });
});

describe('minMax', () => {
  it('keeps the global extremes of every series and each pixel bucket’s extremes', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const pts = curve(10_000, seed, seed % 2 === 0);
      const out = minMax(pts, 2 * 600 + 2);
      expect(Math.max(...out.map((p) => p[1]))).toBe(40);
      expect(Math.min(...out.map((p) => p[1]))).toBe(-40);
      // Per bucket: the kept points of a bucket include that bucket's min and max input values.
      const buckets = 600;
      const x0 = (pts[0] as XY)[0];
      const span = (pts[pts.length - 1] as XY)[0] - x0;
      const bucketOf = (p: XY) => Math.min(buckets - 1, Math.floor(((p[0] - x0) / span) * buckets));
      const want = new Map<number, { lo: number; hi: number }>();
      for (const p of pts.slice(1, -1)) {
        const b = bucketOf(p);
        const w = want.get(b) ?? { lo: Infinity, hi: -Infinity };
        want.set(b, { lo: Math.min(w.lo, p[1]), hi: Math.max(w.hi, p[1]) });
      }
      const got = new Map<number, number[]>();
      for (const p of out.slice(1, -1)) got.set(bucketOf(p), [...(got.get(bucketOf(p)) ?? []), p[1]]);
      for (const [b, w] of want) {
        expect(got.get(b)).toContain(w.lo);
        expect(got.get(b)).toContain(w.hi);
      }
    }
  });

  it('handles a series whose x never changes', () => {
    const pts: XY[] = Array.from({ length: 100 }, (_, i) => [5, i % 10 === 3 ? 99 : i % 7]);
    const out = minMax(pts, 10);
    expect(out.length).toBeLessThanOrEqual(10);
    expect(out.map((p) => p[1])).toContain(99);
  });
});

describe('lttb', () => {
  it('picks the planted spike: the largest triangle in its bucket', () => {
    const pts: XY[] = Array.from({ length: 1000 }, (_, i) => [i, 0]);
    (pts[437] as XY)[1] = 10;
    const out = lttb(pts, 50);
    expect(out).toContain(pts[437]);
  });

  it('keeps exactly one point per bucket', () => {
    expect(lttb(curve(10_000, 4), 700)).toHaveLength(700);
  });
});

describe('downsample', () => {
  it('maps a plot width to a point budget per mode and passes through with none', () => {
    const pts = curve(10_000, 5);
    expect(downsample(pts, 600, 'lttb')).toHaveLength(600);
    expect(downsample(pts, 600, 'minmax').length).toBeLessThanOrEqual(1202);
    expect(downsample(pts, 600, 'none')).toEqual(pts);
    expect(downsample(pts.slice(0, 300), 600, 'lttb')).toEqual(pts.slice(0, 300));
  });
});
