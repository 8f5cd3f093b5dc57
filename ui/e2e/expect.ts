//! Small helpers the e2e tests use to state what they expect, computed independently of the UI's own code.

/** A 0..1 fraction as the UI prints percentages (one decimal). */
export const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Wilson score interval at 95 % (z = 1.96), written out here from the formula, not imported from the UI. */
export function wilson95(p: number, n: number): [number, number] {
  const z = 1.959964;
  const a = p + (z * z) / (2 * n);
  const b = z * Math.sqrt((p * (1 - p) + (z * z) / (4 * n)) / n);
  const d = 1 + (z * z) / n;
  return [Math.max(0, (a - b) / d), Math.min(1, (a + b) / d)];
}

/** The last 8 characters of an id (the random end of a UUIDv7), as lists show them. */
export const short = (id: string) => id.slice(-8);

/** Escape text for use inside a RegExp. */
export const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
