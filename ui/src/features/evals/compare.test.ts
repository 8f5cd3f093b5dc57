import { describe, expect, it } from 'vitest';

import { pairedDifference } from './components/EvalsPage';

describe('pairedDifference', () => {
  it('shows the estimate and the interval in signed points', () => {
    expect(pairedDifference({ estimate: 7 / 12, low: 0.25, high: 0.8333 })).toBe('+58.3 pts [+25.0, +83.3]');
    expect(pairedDifference({ estimate: -0.05, low: -0.2, high: 0.1 })).toBe('−5.0 pts [−20.0, +10.0]');
  });

  it('shows a dash when there is nothing to compare', () => {
    expect(pairedDifference(null)).toBe('—');
  });
});
