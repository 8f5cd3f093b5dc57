// Live progress tests: folding a job's events into counts, running attempts and failures.
import { describe, expect, it } from 'vitest';
import type { EvalEvent } from '../../lib/transport';
import { applyEvent, fractionDone, initialProgress } from './progress';

describe('evaluation progress', () => {
  it('counts attempts, successes and failures and ends on finished', () => {
    const events: EvalEvent[] = [
      { type: 'started', evaluation_id: 'e1', attempts: 3, skipped: 1 },
      { type: 'attempt_started', task_id: 'a', attempt: 1 },
      { type: 'attempt_started', task_id: 'b', attempt: 1 },
      { type: 'attempt_finished', task_id: 'a', attempt: 1, success: true, score: 1, steps: 4, error: null },
      { type: 'attempt_finished', task_id: 'b', attempt: 1, success: false, score: 0, steps: 9, error: 'time limit' },
    ];
    const mid = events.reduce(applyEvent, initialProgress);
    expect(mid).toMatchObject({ evaluationId: 'e1', total: 3, skipped: 1, done: 2, successes: 1, running: [], finished: false });
    expect(mid.failures).toEqual([{ task: 'b', attempt: 1, error: 'time limit' }]);
    expect(fractionDone(mid)).toBeCloseTo(2 / 3);
    const started = applyEvent(mid, { type: 'attempt_started', task_id: 'c', attempt: 2 });
    expect(started.running).toEqual(['c#2']);
    const end = applyEvent(started, { type: 'finished', evaluation_id: 'e1' });
    expect(end.finished).toBe(true);
    expect(end.running).toEqual([]);
  });

  it('is 0% before any event', () => {
    expect(fractionDone(initialProgress)).toBe(0);
  });
});
