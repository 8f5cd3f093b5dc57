//! A Transport for tests: records every call and answers from a function (which may throw a CommandError).

import type { EvalJob, LaunchedJob, Transport } from '../lib/transport';

export type Answer = (name: string, input: unknown) => unknown;

export class FakeTransport implements Transport {
  readonly kind = 'http' as const;
  readonly calls: { name: string; input: unknown }[] = [];
  answer: Answer;

  constructor(answer: Answer) {
    this.answer = answer;
  }

  /** How many times `name` was called. */
  count(name: string): number {
    return this.calls.filter((c) => c.name === name).length;
  }

  async invoke(name: string, input: unknown): Promise<unknown> {
    this.calls.push({ name, input });
    return this.answer(name, input);
  }

  async launchEval(request: unknown): Promise<LaunchedJob> {
    return (await this.invoke('evals/launch', request)) as LaunchedJob;
  }

  async listEvalJobs(): Promise<EvalJob[]> {
    return (await this.invoke('evals/jobs', null)) as EvalJob[];
  }

  async watchEval(): Promise<void> {
    throw new Error('not used in these tests');
  }
}
