//! The launch form's pure parts (tested in launch.test.ts).

/** `a, b c` → `['a', 'b', 'c']`: the task-id filter (empty = every task the other filters keep), duplicates dropped. */
export function taskIds(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}
