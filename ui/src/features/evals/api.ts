//! Evaluation commands: suite tasks, results, paired comparison, and launching/following a live evaluation job.

import { useMutation, useQuery } from '../../lib/query';
import { command, transport, type BenchmarkRequest, type EvalEvent } from '../../lib/transport';

export const listTasks = (suite: string | null) => command('evals/list_tasks', { suite, category: null, difficulty: null });
export const results = (id: string) => command('evals/results', { id });
export const compareEvaluations = (a: string, b: string) => command('evals/compare', { a, b });
export const launch = (request: BenchmarkRequest) => transport().launchEval(request);
export const jobs = () => transport().listEvalJobs();
export const watch = (jobId: string, onEvent: (e: EvalEvent) => void, signal?: AbortSignal) =>
  transport().watchEval(jobId, onEvent, signal);

export const useTasks = (suite: string | null) => useQuery(`evals:tasks:${suite ?? ''}`, () => listTasks(suite));
export const useResults = (id: string | null) => useQuery(id ? `evals:results:${id}` : null, () => results(id ?? ''));
export const useEvalComparison = (a: string, b: string) =>
  useQuery(a && b ? `evals:compare:${a}:${b}` : null, () => compareEvaluations(a, b));
export const useJobs = () => useQuery('evals:jobs', jobs);
export const useLaunch = () => useMutation(launch, ['evals:jobs']);
export const listEvaluations = (limit: number) => command('evals/list', { model_version_id: null, limit });
export const useEvaluations = (limit: number) => useQuery(`evals:list:${limit}`, () => listEvaluations(limit));
