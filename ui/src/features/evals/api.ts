//! Evaluation commands: suite tasks, results, paired comparison, and launching/following a live evaluation job;
//! their query keys all live under `['evals', …]`.

import { mutationOptions, queryOptions, useMutation, useQuery, type Query } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, CommandError, stream, type BenchmarkRequest, type EvalEvent, type JobInfo } from '../../lib/transport';

export const listTasks = (suite: string | null) => command('evals/tasks', { suite, category: null, difficulty: null });
export const results = (id: string) => command('evals/results', { id });
export const compareEvaluations = (a: string, b: string) => command('evals/compare', { a, b });
export const launch = (request: BenchmarkRequest) => command('evals/launch', request);
export const jobs = () => command('evals/jobs', {});

/**
 * Follow a job's live events (its history first, then live) until it ends; resolves to the job's final state.
 * A job that ended `failed` rejects with a `Failed` CommandError carrying the job's error.
 */
export async function watch(jobId: string, onEvent: (e: EvalEvent) => void, signal?: AbortSignal): Promise<JobInfo> {
  const job = await stream('evals/watch', { job_id: jobId }, onEvent, signal);
  if (job.state === 'failed') {
    throw new CommandError({ kind: 'Failed', detail: { message: job.error ?? `evaluation job ${jobId} failed` } });
  }
  return job;
}
export const listEvaluations = (limit: number) => command('evals/list', { model_version_id: null, limit });

export const evalKeys = {
  all: ['evals'] as const,
  tasks: (suite: string | null) => [...evalKeys.all, 'tasks', suite] as const,
  results: (id: string) => [...evalKeys.all, 'results', id] as const,
  comparison: (a: string, b: string) => [...evalKeys.all, 'compare', a, b] as const,
  jobs: () => [...evalKeys.all, 'jobs'] as const,
  /** Every "recent evaluations" list, whatever its limit. */
  lists: () => [...evalKeys.all, 'list'] as const,
  list: (limit: number) => [...evalKeys.lists(), limit] as const,
};

/** While a job on the server is still running, re-read the job list this often (its attempt counts move). */
export const JOBS_REFRESH_MS = 2_000;

/** Poll the job list only while some job is running; a list of finished jobs does not change by itself. */
export function jobsRefetchInterval(query: Pick<Query<JobInfo[]>, 'state'>): number | false {
  return query.state.data?.some((j) => j.state === 'running') ? JOBS_REFRESH_MS : false;
}

export const useTasks = (suite: string | null) =>
  useQuery({ queryKey: evalKeys.tasks(suite), queryFn: () => typed(() => listTasks(suite)) });
export const useResults = (id: string | null) =>
  useQuery({ queryKey: evalKeys.results(id ?? ''), queryFn: () => typed(() => results(id ?? '')), enabled: id !== null && id !== '' });
export const useEvalComparison = (a: string, b: string) =>
  useQuery({
    queryKey: evalKeys.comparison(a, b),
    queryFn: () => typed(() => compareEvaluations(a, b)),
    enabled: a !== '' && b !== '',
  });
export const jobsQuery = () => queryOptions({ queryKey: evalKeys.jobs(), queryFn: () => typed(jobs), refetchInterval: jobsRefetchInterval });
export const useJobs = () => useQuery(jobsQuery());
export const useEvaluations = (limit: number) =>
  useQuery({ queryKey: evalKeys.list(limit), queryFn: () => typed(() => listEvaluations(limit)) });

/** A launch adds a job: refresh the job list (which then polls while the job runs). */
export const launchMutation = mutationOptions({
  mutationFn: (request: BenchmarkRequest) => typed(() => launch(request)),
  onSuccess: (_job, _request, _result, { client }) => client.invalidateQueries({ queryKey: evalKeys.jobs() }),
});
export const useLaunch = () => useMutation(launchMutation);
