//! The health gauges' figures and bands from a typed sample.

import { describe, expect, it } from 'vitest';
import type { AlertThresholds, HealthSample } from '../../lib/transport';
import { band, bytes, gauges } from './gauges';

const GiB = 1024 ** 3;
const sample: HealthSample = {
  at_ms: 0,
  cpu_percent: null,
  cpu_count: 4,
  memory_used_bytes: 3 * GiB,
  memory_total_bytes: 4 * GiB,
  disk_path: '/data',
  disk_used_bytes: 90 * GiB,
  disk_total_bytes: 100 * GiB,
  net_rx_bytes_per_sec: null,
  net_tx_bytes_per_sec: null,
  process_rss_bytes: 0,
  status: 'critical',
};
const thresholds: AlertThresholds = {
  error_rate: null,
  p95_task_duration_secs: null,
  min_success_rate: null,
  cpu_percent: 95,
  memory_percent: 80,
  disk_percent: 90,
};

describe('health gauges', () => {
  it('computes each share and its band like the backend', () => {
    const g = gauges(sample, thresholds);
    expect(g.map((x) => [x.name, x.percent, x.band])).toEqual([
      ['CPU', null, 'unknown'],
      ['Memory', 75, 'warning'],
      ['Disk', 90, 'critical'],
    ]);
    expect(g[2]?.detail).toBe('90.0 GiB of 100.0 GiB on /data');
  });
  it('bands: at the threshold is critical, 10 points below is warning, below that healthy', () => {
    expect(band(50, 60)).toBe('warning');
    expect(band(49.9, 60)).toBe('healthy');
    expect(band(60, 60)).toBe('critical');
    expect(band(99, null)).toBe('healthy');
  });
  it('formats bytes in binary units', () => {
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
    expect(bytes(-1)).toBe('—');
  });
});
