//! Downsampling of line-chart series to what a plot can show: largest-triangle-three-buckets (LTTB, keeps the visual
//! shape with one point per bucket) and min/max per x bucket (keeps every bucket's extremes, so spikes survive).
//! Pure and allocation-light (tested in downsample.test.ts); `components/charts/options.ts` applies them to the plot
//! width. Both expect points sorted by x, never invent a point (every output point is an input point, in input order)
//! and pass inputs at or below the target through unchanged.

/** `[x, y]`, x ascending within a series. */
export type XY = [number, number];

/** How a series is reduced before it reaches the chart. */
export type DownsampleMode = 'lttb' | 'minmax' | 'none';

export const DOWNSAMPLE_MODES: readonly DownsampleMode[] = ['lttb', 'minmax', 'none'];

/**
 * Largest-triangle-three-buckets: the first and last point, plus one point per bucket of the inner points — the one
 * forming the largest triangle with the point chosen in the previous bucket and the mean of the next bucket.
 * Returns at most `threshold` points (`threshold` below 3 is raised to 3); a copy of the input when it is not longer.
 */
export function lttb(points: readonly XY[], threshold: number): XY[] {
  const n = points.length;
  const target = Math.max(3, Math.floor(threshold));
  if (n <= target) return points.slice();
  const out: XY[] = new Array<XY>(target);
  out[0] = points[0] as XY;
  const buckets = target - 2;
  const size = (n - 2) / buckets;
  let chosen = 0; // index of the point kept from the previous bucket
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor(b * size);
    const to = 1 + Math.floor((b + 1) * size); // exclusive; the last bucket ends at n - 1
    // Mean of the next bucket (for the last bucket: the final point).
    const nextFrom = to;
    const nextTo = b === buckets - 1 ? n : Math.min(n, 1 + Math.floor((b + 2) * size));
    let mx = 0;
    let my = 0;
    for (let i = nextFrom; i < nextTo; i++) {
      const p = points[i] as XY;
      mx += p[0];
      my += p[1];
    }
    const count = nextTo - nextFrom;
    mx /= count;
    my /= count;
    const a = points[chosen] as XY;
    let best = from;
    let bestArea = -1;
    for (let i = from; i < to; i++) {
      const p = points[i] as XY;
      // Twice the triangle's area; the factor does not change which point wins.
      const area = Math.abs((a[0] - mx) * (p[1] - a[1]) - (a[0] - p[0]) * (my - a[1]));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out[b + 1] = points[best] as XY;
    chosen = best;
  }
  out[target - 1] = points[n - 1] as XY;
  return out;
}

/**
 * Min/max per x bucket: the x range is cut into `floor((maxPoints - 2) / 2)` equal buckets (pixel columns when
 * `maxPoints` is twice the plot width); each non-empty bucket contributes its lowest and highest point in x order,
 * plus the first and last point overall. Returns at most `maxPoints` points (`maxPoints` below 4 is raised to 4); a
 * copy of the input when it is not longer.
 */
export function minMax(points: readonly XY[], maxPoints: number): XY[] {
  const n = points.length;
  const limit = Math.max(4, Math.floor(maxPoints));
  if (n <= limit) return points.slice();
  const buckets = Math.floor((limit - 2) / 2);
  const x0 = (points[0] as XY)[0];
  const span = (points[n - 1] as XY)[0] - x0;
  const out: XY[] = [points[0] as XY];
  let lo = -1;
  let hi = -1;
  let bucket = -1;
  const flush = () => {
    if (lo < 0) return;
    if (lo === hi) out.push(points[lo] as XY);
    else if (lo < hi) out.push(points[lo] as XY, points[hi] as XY);
    else out.push(points[hi] as XY, points[lo] as XY);
  };
  for (let i = 1; i < n - 1; i++) {
    const p = points[i] as XY;
    // All x equal (span 0): one bucket. Otherwise the pixel column of x, clamped against rounding at the right edge.
    const k = span > 0 ? Math.min(buckets - 1, Math.floor(((p[0] - x0) / span) * buckets)) : 0;
    if (k !== bucket) {
      flush();
      bucket = k;
      lo = i;
      hi = i;
    } else {
      if (p[1] < (points[lo] as XY)[1]) lo = i;
      if (p[1] > (points[hi] as XY)[1]) hi = i;
    }
  }
  flush();
  out.push(points[n - 1] as XY);
  return out;
}

/** Reduce one series for a plot `plotWidth` pixels wide: LTTB keeps one point per pixel, min/max two. */
export function downsample(points: readonly XY[], plotWidth: number, mode: DownsampleMode): XY[] {
  const px = Math.max(1, Math.floor(plotWidth));
  switch (mode) {
    case 'lttb':
      return lttb(points, px);
    case 'minmax':
      return minMax(points, 2 * px + 2);
    case 'none':
      return points.slice();
  }
}
