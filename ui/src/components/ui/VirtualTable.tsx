//! A virtualised table: renders only the rows in view (plus overscan) inside a full-height scroll area, reports the
//! visible range so the owner can fetch those pages, and supports keyboard navigation (arrows, Page Up/Down,
//! Home/End, Enter). The math lives in lib/windowing.ts.

import { useEffect, useRef, useState, type ReactNode } from 'react';
import { moveSelection, scrollToRow, visibleWindow } from '../../lib/windowing';

export interface Column<R> {
  key: string;
  header: ReactNode;
  /** CSS grid track, e.g. `120px` or `2fr`. */
  width: string;
  render: (row: R) => ReactNode;
  numeric?: boolean;
  /** Shown as a button that toggles sorting by this column. */
  sortable?: boolean;
}

export interface VirtualTableProps<R> {
  label: string;
  columns: Column<R>[];
  rowCount: number;
  /** The row at an index, or undefined while its page is loading. */
  rowAt: (index: number) => R | undefined;
  onRange: (start: number, end: number) => void;
  onOpen: (row: R) => void;
  rowKey: (row: R, index: number) => string;
  sort: { key: string; desc: boolean } | null;
  onSort: (key: string) => void;
  selected?: (row: R) => boolean;
  onToggle?: (row: R) => void;
}

const ROW = 32;
const OVERSCAN = 10;

export function VirtualTable<R>(p: VirtualTableProps<R>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [cursor, setCursor] = useState(-1);
  const win = visibleWindow({ scrollTop, viewportHeight: height - ROW, rowHeight: ROW, rowCount: p.rowCount, overscan: OVERSCAN });
  const { onRange } = p;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => onRange(win.start, win.end), [win.start, win.end, onRange]);
  useEffect(() => setCursor(-1), [p.rowCount]);

  const template = p.columns.map((c) => c.width).join(' ');
  const onKey = (e: React.KeyboardEvent) => {
    const el = ref.current;
    if (!el) return;
    if (e.key === 'Enter' && cursor >= 0) {
      const row = p.rowAt(cursor);
      if (row) p.onOpen(row);
      return;
    }
    if (e.key === ' ' && cursor >= 0 && p.onToggle) {
      e.preventDefault();
      const row = p.rowAt(cursor);
      if (row) p.onToggle(row);
      return;
    }
    const pageRows = Math.max(1, Math.floor((height - ROW) / ROW));
    const next = moveSelection(cursor, e.key, p.rowCount, pageRows);
    if (next === cursor || !['ArrowDown', 'ArrowUp', 'PageDown', 'PageUp', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    setCursor(next);
    el.scrollTop = scrollToRow(next, el.scrollTop, height - ROW, ROW);
  };

  const rows: ReactNode[] = [];
  for (let i = win.start; i < win.end; i++) {
    const row = p.rowAt(i);
    const style = { gridTemplateColumns: template, position: 'absolute' as const, top: ROW + i * ROW, left: 0, right: 0 };
    rows.push(
      row ? (
        <div
          key={p.rowKey(row, i)}
          role="row"
          aria-rowindex={i + 2}
          aria-selected={i === cursor || (p.selected?.(row) ?? false)}
          className="vt-row"
          style={style}
          onClick={() => setCursor(i)}
          onDoubleClick={() => p.onOpen(row)}
        >
          {p.columns.map((c) => (
            <span key={c.key} role="cell" style={c.numeric ? { textAlign: 'right' } : undefined}>
              {c.render(row)}
            </span>
          ))}
        </div>
      ) : (
        <div key={`loading-${i}`} role="row" aria-rowindex={i + 2} className="vt-row placeholder" style={style}>
          <span>…</span>
        </div>
      ),
    );
  }

  return (
    <div
      ref={ref}
      className="vt"
      role="table"
      aria-label={p.label}
      aria-rowcount={p.rowCount + 1}
      tabIndex={0}
      onKeyDown={onKey}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div role="row" className="vt-head" style={{ gridTemplateColumns: template }}>
        {p.columns.map((c) => (
          <span key={c.key} role="columnheader" aria-sort={p.sort?.key === c.key ? (p.sort.desc ? 'descending' : 'ascending') : undefined}>
            {c.sortable ? (
              <button type="button" onClick={() => p.onSort(c.key)}>
                {c.header}
                {p.sort?.key === c.key ? (p.sort.desc ? ' ▼' : ' ▲') : ''}
              </button>
            ) : (
              c.header
            )}
          </span>
        ))}
      </div>
      <div style={{ height: win.totalHeight }} aria-hidden="true" />
      {rows}
    </div>
  );
}
