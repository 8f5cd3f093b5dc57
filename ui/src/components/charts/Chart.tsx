//! THE chart wrapper: the only component that touches ECharts. It owns the chart's lifecycle — init on mount (with
//! the current theme), setOption on every option change, resize with the container (ResizeObserver), dispose on
//! unmount, and re-create when the theme flips. With `timing`, each new option's render time (from `timing.start`,
//! e.g. before the option was built, to ECharts' `finished` event) is recorded as a User Timing measure that
//! `ui/bench/ui-bench.mjs` reads with `performance.getEntriesByName`.

import { BarChart, LineChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import type { EChartsCoreOption } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { useTheme } from '../../app/theme';

echarts.use([
  LineChart,
  BarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  TitleComponent,
  DataZoomComponent,
  CanvasRenderer,
]);

export interface ChartProps {
  option: EChartsCoreOption;
  height?: number;
  /** Accessible description of what the chart shows (charts are canvas: screen readers read this). */
  label: string;
  /** Record `start` → rendered as the `performance.measure` named `name` (once per option). */
  timing?: { name: string; start: number };
}

export function Chart({ option, height = 260, label, timing }: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const theme = useTheme();

  // Create per theme; dispose on theme change and unmount.
  useEffect(() => {
    const node = el.current;
    if (!node) return;
    const instance = echarts.init(node, theme === 'dark' ? 'dark' : undefined, { renderer: 'canvas' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(node);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, [theme]);

  // Apply options (after the instance exists for this theme).
  const timed = useRef<EChartsCoreOption | null>(null);
  const timingRef = useRef(timing);
  timingRef.current = timing;
  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    let onFinished: (() => void) | null = null;
    const timing = timingRef.current;
    if (timing && timed.current !== option) {
      timed.current = option;
      const { name, start } = timing;
      const done = () => {
        instance.off('finished', done);
        performance.measure(name, { start, end: performance.now() });
      };
      onFinished = done;
      instance.on('finished', done);
    }
    instance.setOption({ backgroundColor: 'transparent', ...option }, { notMerge: true, lazyUpdate: true });
    return () => {
      if (onFinished) instance.off('finished', onFinished);
    };
  }, [option, theme]);

  return <div ref={el} role="img" aria-label={label} className="chart" style={{ height }} />;
}
