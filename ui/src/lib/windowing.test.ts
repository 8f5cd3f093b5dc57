// Windowing math tests for the virtual runs table (100k rows): visible range, pages to fetch, keyboard moves.
import { describe, expect, it } from 'vitest';
import { moveSelection, pagesFor, scrollToRow, visibleWindow } from './windowing';

describe('visibleWindow', () => {
  const base = { viewportHeight: 320, rowHeight: 32, rowCount: 100_000, overscan: 5 };

  it('renders only the rows in view plus overscan, at the top', () => {
    expect(visibleWindow({ ...base, scrollTop: 0 })).toEqual({ start: 0, end: 15, offsetTop: 0, totalHeight: 3_200_000 });
  });

  it('tracks the scroll position in the middle of 100k rows', () => {
    // scrollTop 1,600,016 → first visible row 50,000 (partly), last visible row 50,010 (partly)
    const w = visibleWindow({ ...base, scrollTop: 1_600_016 });
    expect(w.start).toBe(50_000 - 5);
    expect(w.end).toBe(50_011 + 5);
    expect(w.offsetTop).toBe((50_000 - 5) * 32);
    expect(w.end - w.start).toBeLessThan(30);
  });

  it('clamps past the end and handles empty tables', () => {
    const w = visibleWindow({ ...base, scrollTop: 99_999_999 });
    expect(w.end).toBe(100_000);
    expect(w.start).toBe(100_000 - 10 - 5);
    expect(visibleWindow({ ...base, rowCount: 0, scrollTop: 0 })).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
    expect(visibleWindow({ ...base, rowCount: 3, scrollTop: 0 }).end).toBe(3);
  });
});

describe('pagesFor', () => {
  it('lists the pages covering a row range', () => {
    expect(pagesFor(0, 15, 200)).toEqual([0]);
    expect(pagesFor(195, 215, 200)).toEqual([0, 1]);
    expect(pagesFor(49_995, 50_016, 200)).toEqual([249, 250]);
    expect(pagesFor(400, 400, 200)).toEqual([]);
  });
});

describe('keyboard navigation', () => {
  it('moves and clamps the selection', () => {
    expect(moveSelection(-1, 'ArrowDown', 10, 5)).toBe(0);
    expect(moveSelection(3, 'ArrowDown', 10, 5)).toBe(4);
    expect(moveSelection(0, 'ArrowUp', 10, 5)).toBe(0);
    expect(moveSelection(3, 'PageDown', 10, 5)).toBe(8);
    expect(moveSelection(8, 'PageDown', 10, 5)).toBe(9);
    expect(moveSelection(4, 'Home', 10, 5)).toBe(0);
    expect(moveSelection(4, 'End', 10, 5)).toBe(9);
    expect(moveSelection(4, 'x', 10, 5)).toBe(4);
    expect(moveSelection(0, 'ArrowDown', 0, 5)).toBe(-1);
  });

  it('scrolls just enough to bring the selected row into view', () => {
    expect(scrollToRow(5, 0, 320, 32)).toBe(0); // rows 0..9 visible
    expect(scrollToRow(10, 0, 320, 32)).toBe(32); // row 10 must end at the bottom edge
    expect(scrollToRow(2, 320, 320, 32)).toBe(64); // above the view: align to top
  });
});
