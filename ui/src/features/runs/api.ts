//! Experiments & runs commands, one typed function/hook each (on `lib/transport` + TanStack Query), and their query
//! keys: everything about runs lives under `['runs', …]`, experiments under `['experiments', …]`.

import { queryOptions, useQuery } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, type InputOf } from '../../lib/transport';

export const searchRuns = (input: InputOf<'runs/search'>) => command('runs/search', input);
export const listRuns = (input: InputOf<'runs/list'>) => command('runs/list', input);
export const showRun = (runId: string) => command('runs/show', { run_id: runId });
export const compareRuns = (ids: string[]) => command('runs/compare', { run_ids: ids });
export const metricHistory = (runId: string, key: string) => command('runs/metric_history', { run_id: runId, key });
export const listExperiments = (all = false) => command('experiments/list', { all });
export const timeline = (runId: string) => command('runs/timeline', { run_id: runId });
/** One stored artifact (screenshot, DOM snapshot) by content hash, base64-encoded. */
export const artifact = (hash: string) => command('runs/artifact', { hash });

/** Query keys: invalidating `runKeys.all` refreshes every runs query (search pages, details, timelines, …). */
export const runKeys = {
  all: ['runs'] as const,
  /** Every page of every search (the runs table). */
  searches: () => [...runKeys.all, 'search'] as const,
  search: (input: InputOf<'runs/search'>) => [...runKeys.searches(), input] as const,
  list: (input: InputOf<'runs/list'>) => [...runKeys.all, 'list', input] as const,
  /** Everything about one run: its summary and timeline. */
  run: (runId: string) => [...runKeys.all, 'run', runId] as const,
  detail: (runId: string) => [...runKeys.run(runId), 'show'] as const,
  timeline: (runId: string) => [...runKeys.run(runId), 'timeline'] as const,
  comparison: (ids: string[]) => [...runKeys.all, 'compare', ids] as const,
  histories: (runIds: string[], keys: string[]) => [...runKeys.all, 'histories', runIds, keys] as const,
  artifact: (hash: string) => [...runKeys.all, 'artifact', hash] as const,
};

export const experimentKeys = {
  all: ['experiments'] as const,
  list: (all: boolean) => [...experimentKeys.all, 'list', { all }] as const,
};

/** One page of a run search, cached under `runKeys.search(input)` (the runs table fetches these imperatively). */
export const runSearchQuery = (input: InputOf<'runs/search'>) =>
  queryOptions({
    queryKey: runKeys.search(input),
    queryFn: () => typed(() => searchRuns(input)),
    // A long scroll fetches many pages; drop the ones nobody shows after a minute instead of the default five.
    gcTime: 60_000,
  });

export const useExperiments = (all = false) =>
  useQuery({ queryKey: experimentKeys.list(all), queryFn: () => typed(() => listExperiments(all)) });
export const useRun = (runId: string) =>
  useQuery({ queryKey: runKeys.detail(runId), queryFn: () => typed(() => showRun(runId)) });
export const useRunComparison = (ids: string[]) =>
  useQuery({ queryKey: runKeys.comparison(ids), queryFn: () => typed(() => compareRuns(ids)), enabled: ids.length >= 2 });
export const useRecentRuns = (limit: number) => {
  const input = { experiment: null, statuses: [], limit, offset: null, include_archived: false };
  return useQuery({ queryKey: runKeys.list(input), queryFn: () => typed(() => listRuns(input)) });
};
export const useTimeline = (runId: string) =>
  useQuery({ queryKey: runKeys.timeline(runId), queryFn: () => typed(() => timeline(runId)) });
/** Histories of several metric keys of several runs, fetched in parallel. */
export const useMetricHistories = (runIds: string[], keys: string[]) =>
  useQuery({
    queryKey: runKeys.histories(runIds, keys),
    queryFn: () => typed(() => Promise.all(runIds.flatMap((id) => keys.map((k) => metricHistory(id, k))))),
    enabled: runIds.length > 0 && keys.length > 0,
  });
export const useArtifact = (hash: string | null) =>
  useQuery({
    queryKey: runKeys.artifact(hash ?? ''),
    queryFn: () => typed(() => artifact(hash ?? '')),
    enabled: hash !== null,
    // Content-addressed: the bytes behind a hash never change.
    staleTime: Infinity,
  });
