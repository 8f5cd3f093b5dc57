//! THE chart wrapper: the only component that touches ECharts. It owns the chart's lifecycle — init on mount (with
//! the current theme), setOption on every option change, resize with the container (ResizeObserver), dispose on
//! unmount, and re-create when the theme flips.

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
}

export function Chart({ option, height = 260, label }: ChartProps) {
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
  useEffect(() => {
    chart.current?.setOption({ backgroundColor: 'transparent', ...option }, { notMerge: true, lazyUpdate: true });
  }, [option, theme]);

  return <div ref={el} role="img" aria-label={label} className="chart" style={{ height }} />;
}
