//! Windowing math for the virtualised runs table: which rows are visible for a scroll position, and which
//! server pages must be fetched to show them. Pure (tested in windowing.test.ts); the component only renders.

export interface WindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  rowCount: number;
  /** Extra rows rendered above and below the viewport so fast scrolling does not flash blank rows. */
  overscan: number;
}

export interface Window {
  /** First row index to render (inclusive). */
  start: number;
  /** One past the last row index to render. */
  end: number;
  /** Pixel offset of row `start` from the top of the scroll content. */
  offsetTop: number;
  /** Height of the whole (virtual) content. */
  totalHeight: number;
}

export function visibleWindow({ scrollTop, viewportHeight, rowHeight, rowCount, overscan }: WindowInput): Window {
  const totalHeight = Math.max(0, rowCount) * rowHeight;
  if (rowCount <= 0 || rowHeight <= 0) return { start: 0, end: 0, offsetTop: 0, totalHeight };
  const maxTop = Math.max(0, totalHeight - viewportHeight);
  const top = Math.min(Math.max(0, scrollTop), maxTop);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight); // exclusive
  const start = Math.max(0, first - overscan);
  const end = Math.min(rowCount, last + overscan);
  return { start, end, offsetTop: start * rowHeight, totalHeight };
}

/** Page indexes (of `pageSize` rows each) covering rows `[start, end)`. */
export function pagesFor(start: number, end: number, pageSize: number): number[] {
  if (end <= start || pageSize <= 0) return [];
  const pages: number[] = [];
  for (let p = Math.floor(start / pageSize); p <= Math.floor((end - 1) / pageSize); p++) pages.push(p);
  return pages;
}

/** The next row index for keyboard navigation (arrows, Page Up/Down, Home/End), clamped to the table. */
export function moveSelection(current: number, key: string, rowCount: number, pageRows: number): number {
  if (rowCount <= 0) return -1;
  const step: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: pageRows, PageUp: -pageRows };
  let next = current;
  if (key === 'Home') next = 0;
  else if (key === 'End') next = rowCount - 1;
  else if (key in step) next = current < 0 ? 0 : current + (step[key] ?? 0);
  return Math.min(rowCount - 1, Math.max(0, next));
}

/** The scrollTop that brings row `index` into view (unchanged when it already is). */
export function scrollToRow(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}
