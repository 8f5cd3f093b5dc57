//! What the health gauges show, computed from one typed `HealthSample`: each resource's use as a percentage and
//! its band against the config's thresholds (the same rule as the backend: critical at/above the threshold,
//! warning within 10 points below it). Pure (tested in gauges.test.ts).

import type { AlertThresholds, HealthSample } from '../../lib/transport';

export type Band = 'healthy' | 'warning' | 'critical' | 'unknown';

export interface Gauge {
  name: 'CPU' | 'Memory' | 'Disk';
  /** 0–100, or null when not known (a sampler's first CPU reading). */
  percent: number | null;
  /** The alert threshold in percent, when configured. */
  threshold: number | null;
  band: Band;
  detail: string;
}

/** 1536 → `1.5 KiB`; binary units like the CLI. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function band(percent: number | null, threshold: number | null): Band {
  if (percent === null) return 'unknown';
  if (threshold === null) return 'healthy';
  if (percent >= threshold) return 'critical';
  if (percent >= threshold - 10) return 'warning';
  return 'healthy';
}

const share = (used: number, total: number) => (total > 0 ? (used / total) * 100 : null);

export function gauges(s: HealthSample, t: AlertThresholds): Gauge[] {
  const mem = share(s.memory_used_bytes, s.memory_total_bytes);
  const disk = share(s.disk_used_bytes, s.disk_total_bytes);
  return [
    {
      name: 'CPU',
      percent: s.cpu_percent,
      threshold: t.cpu_percent,
      band: band(s.cpu_percent, t.cpu_percent),
      detail: `${s.cpu_count} cores`,
    },
    {
      name: 'Memory',
      percent: mem,
      threshold: t.memory_percent,
      band: band(mem, t.memory_percent),
      detail: `${bytes(s.memory_used_bytes)} of ${bytes(s.memory_total_bytes)}`,
    },
    {
      name: 'Disk',
      percent: disk,
      threshold: t.disk_percent,
      band: band(disk, t.disk_percent),
      detail: `${bytes(s.disk_used_bytes)} of ${bytes(s.disk_total_bytes)} on ${s.disk_path}`,
    },
  ];
}
