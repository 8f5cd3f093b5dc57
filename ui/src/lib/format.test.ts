// Formatting helper tests: expected strings written out by hand from the inputs.
import { describe, expect, it } from 'vitest';
import { ago, cell, diff, duration, flatten, num, pct, pValue, shortId, usd, utc, wilson } from './format';

describe('format', () => {
  it('numbers, percentages and money', () => {
    expect(num(1234567.891)).toBe('1,234,567.89');
    expect(num(null)).toBe('—');
    expect(num(Number.NaN)).toBe('—');
    expect(pct(0.8123)).toBe('81.2%');
    expect(pct(undefined)).toBe('—');
    expect(usd(12.5)).toBe('$12.50');
    expect(usd(0.00321)).toBe('$0.0032');
    expect(usd(-3)).toBe('-$3.00');
  });

  it('durations, timestamps, ages and p-values', () => {
    expect(duration(850)).toBe('850 ms');
    expect(duration(12_340)).toBe('12.3 s');
    expect(duration(245_000)).toBe('4m 05s');
    expect(duration(7_380_000)).toBe('2h 03m');
    expect(duration(-1)).toBe('—');
    expect(utc(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02 03:04:05');
    expect(ago(1_000_000, 1_000_000 + 10_000)).toBe('just now');
    expect(ago(0, 5 * 60_000)).toBe('5 min ago');
    expect(ago(0, 3 * 3_600_000)).toBe('3 h ago');
    expect(pValue(0.0004)).toBe('< 0.001');
    expect(pValue(0.0314)).toBe('0.031');
    expect(shortId('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toBe('2e3f4a5b');
  });

  it('flattens nested values to dotted keys and diffs them', () => {
    expect(flatten({ llm: { model: 'a', stop: ['x'] }, flags: {}, n: 1 })).toEqual({
      'llm.model': 'a',
      'llm.stop.0': 'x',
      flags: {},
      n: 1,
    });
    const rows = diff({ a: 1, b: { c: 2 }, d: 'x' }, { a: 1, b: { c: 3 }, e: true });
    expect(rows).toEqual([
      { key: 'b.c', left: 2, right: 3, change: 'changed' },
      { key: 'd', left: 'x', right: undefined, change: 'removed' },
      { key: 'e', left: undefined, right: true, change: 'added' },
    ]);
    expect(diff({ a: 1 }, { a: 1 }, true)).toEqual([{ key: 'a', left: 1, right: 1, change: 'same' }]);
    expect(cell({ x: 1 })).toBe('{"x":1}');
  });

  it('wilson interval matches the textbook value and stays within 0..1', () => {
    // 8 successes out of 10: Wilson 95% interval is about [0.490, 0.943].
    const ci = wilson(0.8, 10);
    expect(ci?.low).toBeCloseTo(0.4902, 3);
    expect(ci?.high).toBeCloseTo(0.9433, 3);
    const all = wilson(1, 5);
    expect(all?.high).toBeCloseTo(1, 9);
    expect(all?.low).toBeGreaterThan(0.5);
    expect(wilson(0.5, 0)).toBeNull();
  });
});
