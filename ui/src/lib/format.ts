//! Formatting helpers shared by every page: numbers, percentages, money, durations, timestamps, p-values, and a
//! flat key/value diff of two config objects. Pure functions (tested in format.test.ts).

const DASH = '—';

/** A number with at most `digits` decimals, thousands separated; `—` for null/NaN. */
export function num(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return DASH;
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A 0..1 fraction as a percentage, e.g. 0.8123 → `81.2%`. */
export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  return `${(v * 100).toFixed(digits)}%`;
}

/** US dollars; sub-cent amounts keep 4 decimals so small per-task costs are not shown as $0.00. */
export function usd(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  const abs = Math.abs(v);
  const digits = abs !== 0 && abs < 0.01 ? 4 : 2;
  return `${v < 0 ? '-' : ''}$${abs.toFixed(digits)}`;
}

/** A duration in milliseconds: `850 ms`, `12.3 s`, `4m 05s`, `2h 03m`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const total = Math.floor(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(sec).padStart(2, '0')}s`;
}

/** UTC milliseconds → `YYYY-MM-DD HH:MM:SS` in UTC (the store's clock), `—` when absent. */
export function utc(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** How long ago `ms` was, relative to `now`: `just now`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** A p-value: `< 0.001` below that, 3 decimals otherwise. */
export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return DASH;
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** First 8 characters of an id (UUIDv7s share a time prefix, so show the tail for run ids). */
export function shortId(id: string): string {
  return id.length <= 8 ? id : id.slice(-8);
}

/** Flatten nested objects/arrays to dotted keys: `{a: {b: 1}, c: [2]}` → `{ 'a.b': 1, 'c.0': 2 }`. */
export function flatten(value: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

export interface DiffRow {
  key: string;
  left: unknown;
  right: unknown;
  change: 'added' | 'removed' | 'changed' | 'same';
}

/** Key-by-key diff of two (nested) objects, sorted by key; `same` rows only when `includeSame`. */
export function diff(left: unknown, right: unknown, includeSame = false): DiffRow[] {
  const a = flatten(left);
  const b = flatten(right);
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const rows: DiffRow[] = [];
  for (const key of keys) {
    const inA = key in a;
    const inB = key in b;
    const change = !inA ? 'added' : !inB ? 'removed' : JSON.stringify(a[key]) === JSON.stringify(b[key]) ? 'same' : 'changed';
    if (change !== 'same' || includeSame) rows.push({ key, left: a[key], right: b[key], change });
  }
  return rows;
}

/** Any JSON-ish value as short text for a table cell. */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return DASH;
  if (typeof v === 'number') return num(v, 4);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Wilson score interval (95% by default) for a success proportion `p` observed over `n` trials; null when n = 0. */
export function wilson(p: number, n: number, z = 1.959964): { low: number; high: number } | null {
  if (!(n > 0) || !Number.isFinite(p)) return null;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { low: Math.max(0, center - half), high: Math.min(1, center + half) };
}
