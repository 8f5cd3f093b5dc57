//! Live evaluation progress: folds the job's EvalEvents (from SSE) into what the progress view shows. Pure
//! (tested in progress.test.ts).

import type { EvalEvent } from '../../lib/transport';

export interface Progress {
  evaluationId: string | null;
  /** Attempts this run will make (already-stored attempts of a resumed evaluation are `skipped`). */
  total: number;
  skipped: number;
  done: number;
  successes: number;
  /** `task#attempt` keys currently running. */
  running: string[];
  /** The latest failures, newest first (at most 20). */
  failures: { task: string; attempt: number; error: string | null }[];
  finished: boolean;
}

export const initialProgress: Progress = {
  evaluationId: null,
  total: 0,
  skipped: 0,
  done: 0,
  successes: 0,
  running: [],
  failures: [],
  finished: false,
};

const key = (task: string, attempt: number) => `${task}#${attempt}`;

export function applyEvent(p: Progress, e: EvalEvent): Progress {
  switch (e.type) {
    case 'started':
      return { ...p, evaluationId: e.evaluation_id, total: Number(e.attempts), skipped: Number(e.skipped) };
    case 'attempt_started':
      return { ...p, running: [...p.running.filter((k) => k !== key(e.task_id, Number(e.attempt))), key(e.task_id, Number(e.attempt))] };
    case 'attempt_finished': {
      const k = key(e.task_id, Number(e.attempt));
      const failures = e.success ? p.failures : [{ task: e.task_id, attempt: Number(e.attempt), error: e.error ?? null }, ...p.failures].slice(0, 20);
      return { ...p, done: p.done + 1, successes: p.successes + (e.success ? 1 : 0), running: p.running.filter((x) => x !== k), failures };
    }
    case 'finished':
      return { ...p, evaluationId: e.evaluation_id, running: [], finished: true };
  }
}

/** Fraction done, 0..1 (0 before `started`). */
export function fractionDone(p: Progress): number {
  return p.total > 0 ? Math.min(1, p.done / p.total) : p.finished ? 1 : 0;
}
