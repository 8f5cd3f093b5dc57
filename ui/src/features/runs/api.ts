//! Experiments & runs commands, one typed function/hook each (on `lib/transport` + `lib/query`).

import { useQuery } from '../../lib/query';
import { command, type InputOf } from '../../lib/transport';

export const searchRuns = (input: InputOf<'run_search/search'>) => command('run_search/search', input);
export const listRuns = (input: InputOf<'run_search/list'>) => command('run_search/list', input);
export const showRun = (runId: string) => command('runs/show_run', { run_id: runId });
export const compareRuns = (ids: string[]) => command('runs/compare_runs', { run_ids: ids });
export const metricHistory = (runId: string, key: string) => command('runs/metric_history', { run_id: runId, key });
export const listExperiments = (all = false) => command('experiments/list_experiments', { all });

export const useExperiments = (all = false) => useQuery(`experiments:${all}`, () => listExperiments(all));
export const useRun = (runId: string) => useQuery(`runs:show:${runId}`, () => showRun(runId));
export const useRunComparison = (ids: string[]) =>
  useQuery(ids.length >= 2 ? `runs:compare:${ids.join(',')}` : null, () => compareRuns(ids));
export const useRecentRuns = (limit: number) =>
  useQuery(`runs:recent:${limit}`, () => listRuns({ experiment: null, statuses: [], limit, offset: null, include_archived: false }));
export const timeline = (runId: string) => command('runs/timeline', { run_id: runId });
export const useTimeline = (runId: string) => useQuery(`runs:timeline:${runId}`, () => timeline(runId));
/** Histories of several metric keys of several runs, fetched in parallel. */
export const useMetricHistories = (runIds: string[], keys: string[]) =>
  useQuery(runIds.length && keys.length ? `runs:histories:${runIds.join(',')}:${keys.join(',')}` : null, () =>
    Promise.all(runIds.flatMap((id) => keys.map((k) => metricHistory(id, k)))),
  );
/** One stored artifact (screenshot, DOM snapshot) by content hash, base64-encoded. */
export const artifact = (hash: string) => command('runs/artifact', { hash });
export const useArtifact = (hash: string | null) => useQuery(hash ? `runs:artifact:${hash}` : null, () => artifact(hash ?? ''));
