//! Mutations run through a real QueryClient over a fake transport: the command goes through `command(name, input)`,
//! and on success exactly the listed key prefixes are invalidated (on failure, none); live queries poll.

import {
  environmentManager,
  MutationObserver,
  QueryObserver,
  type QueryClient,
  type QueryKey,
  type UseMutationOptions,
} from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createQueryClient } from '../lib/query';
import { CommandError, setTransport, transport, type Transport } from '../lib/transport';
import { FakeTransport, type Answer } from '../test/fakeTransport';
import { abTestsQuery, saveAbTestsMutation } from './abtests/api';
import { evalKeys, jobsQuery, jobsRefetchInterval, JOBS_REFRESH_MS, launchMutation } from './evals/api';
import { deployMutation, modelKeys, rollbackMutation } from './models/api';
import { errorsQuery, healthQuery, MONITOR_REFRESH_MS, monitorKeys, resolveErrorMutation } from './monitoring/api';
import { loadDemoMutation } from './overview/api';
import { runKeys } from './runs/api';
import { configKeys, setFeatureFlagMutation } from './settings/api';
import { deleteSecretMutation, secretKeys } from './settings/secrets';

const SEEDED: Record<string, QueryKey> = {
  models: modelKeys.list(),
  modelA: modelKeys.detail('checkout-agent'),
  modelB: modelKeys.detail('search-agent'),
  historyA: modelKeys.history('checkout-agent'),
  historyB: modelKeys.history('search-agent'),
  historyAll: modelKeys.history(null),
  modelCompare: modelKeys.comparison(['checkout-agent:1', 'checkout-agent:2']),
  run: runKeys.detail('r1'),
  health: monitorKeys.health(),
  alerts: monitorKeys.alerts({ open_only: false, hours: 24 }),
  errors: monitorKeys.errors({ hours: 24, limit: 100 }),
  errorsOpen: monitorKeys.errors({ unresolved_only: true }),
  evalJobs: evalKeys.jobs(),
  evalList: evalKeys.list(20),
  config: configKeys.load(null),
  validate: configKeys.validate('staging'),
  secrets: secretKeys.status(null),
};

let client: QueryClient;
let saved: Transport;
let fake: FakeTransport;

function useFake(answer: Answer) {
  fake = new FakeTransport(answer);
  setTransport(fake);
}

beforeEach(() => {
  saved = transport();
  client = createQueryClient();
  for (const key of Object.values(SEEDED)) client.setQueryData(key, { seeded: true });
});
afterEach(() => {
  client.clear();
  setTransport(saved);
  environmentManager.setIsServer(() => typeof window === 'undefined');
  vi.useRealTimers();
});

function invalidated(): string[] {
  return Object.entries(SEEDED)
    .filter(([, key]) => client.getQueryState(key)?.isInvalidated)
    .map(([name]) => name)
    .sort();
}

/** Run a feature's mutation options the way useMutation does (a MutationObserver on the client). */
function run<O, I>(options: UseMutationOptions<O, CommandError['error'], I>, input: I): Promise<O> {
  return new MutationObserver(client, options).mutate(input);
}

const DEPLOYMENT = {
  id: 'd1',
  model_id: 'm1',
  model_name: 'checkout-agent',
  target: 'production',
  action: 'deploy',
  from_version_id: null,
  from_reference: null,
  to_version_id: 'v2',
  to_reference: 'checkout-agent:2',
  os_user: 'me',
  host: 'laptop-a',
  reason: '',
  created_at_ms: 0,
};

describe('mutations invalidate what they change', () => {
  it("a deploy goes through models/deploy and refreshes the model list, the model's detail and its history", async () => {
    useFake(() => DEPLOYMENT);
    const input = { reference: 'checkout-agent:2', target: 'production', reason: 'ship it' };
    const out = await run(deployMutation, input);
    expect(out.model_name).toBe('checkout-agent');
    expect(fake.calls).toEqual([{ name: 'models/deploy', input }]);
    expect(invalidated()).toEqual(['historyA', 'historyAll', 'modelA', 'models']);
  });

  it('a rollback refreshes the same keys, for the model the backend names', async () => {
    useFake(() => ({ ...DEPLOYMENT, model_name: 'search-agent', action: 'rollback' }));
    await run(rollbackMutation, { model: 'search-agent', target: 'production', reason: '' });
    expect(fake.calls.map((c) => c.name)).toEqual(['models/rollback']);
    expect(invalidated()).toEqual(['historyAll', 'historyB', 'modelB', 'models']);
  });

  it('a failed deploy rejects with the typed error and invalidates nothing', async () => {
    useFake(() => {
      throw new CommandError({ kind: 'Conflict', detail: { message: 'alias moved meanwhile' } });
    });
    const observer = new MutationObserver(client, deployMutation);
    await expect(observer.mutate({ reference: 'checkout-agent:9', target: 'production' })).rejects.toEqual({
      kind: 'Conflict',
      detail: { message: 'alias moved meanwhile' },
    });
    expect(observer.getCurrentResult().error?.kind).toBe('Conflict');
    expect(fake.calls).toHaveLength(1); // mutations never retry
    expect(invalidated()).toEqual([]);
  });

  it('resolving an error refreshes every error list and nothing else', async () => {
    useFake(() => ({ id: 'e1', resolved_at_ms: 1 }));
    await run(resolveErrorMutation, 'e1');
    expect(fake.calls).toEqual([{ name: 'monitor/resolve_error', input: { id: 'e1' } }]);
    expect(invalidated()).toEqual(['errors', 'errorsOpen']);
  });

  it('a launch refreshes the job list only', async () => {
    useFake(() => ({ job_id: 'j1' }));
    await run(launchMutation, {
      model: 'checkout-agent:2',
      suite: 'builtin',
      filter: { category: null, difficulty: null, ids: [] },
      repeats: 1,
      concurrency: 1,
      resume: null,
      miniwob_dir: null,
      headful: false,
    });
    expect(fake.calls.map((c) => c.name)).toEqual(['evals/launch']);
    expect(invalidated()).toEqual(['evalJobs']);
  });

  it('a config write refreshes every config query and the key status', async () => {
    useFake(() => ({ key: 'features.x', value: true, path: 'env.yaml', in_place: true }));
    await run(setFeatureFlagMutation, { env: 'staging', flag: 'x', enabled: true });
    expect(fake.calls.map((c) => c.name)).toEqual(['config/set_flag']);
    expect(invalidated()).toEqual(['config', 'secrets', 'validate']);
  });

  it('saving A/B tests writes config key ab_tests as JSON and refreshes config', async () => {
    useFake(() => ({ key: 'ab_tests', value: [], path: 'env.yaml', in_place: true }));
    await run(saveAbTestsMutation, { env: 'staging', tests: [{ name: 't' }] });
    expect(fake.calls).toEqual([
      { name: 'config/set', input: { env: 'staging', key: 'ab_tests', value: JSON.stringify([{ name: 't' }]) } },
    ]);
    expect(invalidated()).toEqual(['config', 'secrets', 'validate']);
  });

  it('deleting a key refreshes key status only', async () => {
    useFake(() => ({ deleted: true }));
    await run(deleteSecretMutation, { name: 'openai' });
    expect(invalidated()).toEqual(['secrets']);
  });

  it('loading the demo refreshes everything', async () => {
    useFake(() => ({}));
    await run(loadDemoMutation, { no_eval: true, category: null, concurrency: null });
    expect(fake.streamed).toEqual(['demo/load']);
    expect(invalidated()).toEqual(Object.keys(SEEDED).sort());
  });

  it('an invalidated query that is on screen is fetched again before the mutation settles', async () => {
    environmentManager.setIsServer(() => false);
    useFake((name) => (name === 'monitor/errors' ? { errors: [], fetched: fake.count('monitor/errors') } : {}));
    const observer = new QueryObserver(client, errorsQuery());
    const unsubscribe = observer.subscribe(() => {});
    await run(resolveErrorMutation, 'e1');
    expect(fake.count('monitor/errors')).toBe(1);
    expect(observer.getCurrentResult().data).toEqual({ errors: [], fetched: 1 });
    unsubscribe();
  });
});

describe('A/B tests read the shared config query', () => {
  it('select ab_tests from the cached config/load answer, without another call', async () => {
    environmentManager.setIsServer(() => false);
    useFake(() => {
      throw new Error('no call expected');
    });
    client.setQueryData(configKeys.load('staging'), { env: 'staging', config: { ab_tests: [{ name: 'cta' }] } });
    const observer = new QueryObserver(client, abTestsQuery('staging'));
    const unsubscribe = observer.subscribe(() => {});
    expect(observer.getCurrentResult().data).toEqual([{ name: 'cta' }]);
    unsubscribe();
    expect(fake.calls).toEqual([]);
  });
});

describe('polling', () => {
  beforeEach(() => {
    environmentManager.setIsServer(() => false);
    vi.useFakeTimers();
  });

  /** Keep `observer` subscribed (a mounted component) for `ms` of fake time. */
  async function observe(observer: { subscribe(l: () => void): () => void }, ms: number): Promise<void> {
    const unsubscribe = observer.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(ms);
    unsubscribe();
  }

  it('the monitoring page re-reads every 15 s; the overview panel reads once', async () => {
    client.clear();
    useFake(() => ({ status: 'healthy' }));
    await observe(new QueryObserver(client, healthQuery({ live: true })), 2 * MONITOR_REFRESH_MS + 100);
    expect(fake.count('monitor/health')).toBe(3);
    client.clear();
    useFake(() => ({ status: 'healthy' }));
    await observe(new QueryObserver(client, healthQuery()), 2 * MONITOR_REFRESH_MS + 100);
    expect(fake.count('monitor/health')).toBe(1);
  });

  it('the job list polls while a job runs and stops once none does', async () => {
    client.clear();
    let state = 'running';
    useFake(() => [{ job_id: 'j1', state }]);
    const observer = new QueryObserver(client, jobsQuery());
    const unsubscribe = observer.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(2 * JOBS_REFRESH_MS + 100);
    expect(fake.count('evals/jobs')).toBe(3);
    state = 'finished';
    await vi.advanceTimersByTimeAsync(JOBS_REFRESH_MS);
    expect(fake.count('evals/jobs')).toBe(4);
    await vi.advanceTimersByTimeAsync(5 * JOBS_REFRESH_MS);
    expect(fake.count('evals/jobs')).toBe(4);
    unsubscribe();
  });

  it('jobsRefetchInterval: only while some job is running', () => {
    const q = (data: { state: string }[] | undefined) => ({ state: { data } }) as Parameters<typeof jobsRefetchInterval>[0];
    expect(jobsRefetchInterval(q(undefined))).toBe(false);
    expect(jobsRefetchInterval(q([{ state: 'finished' }, { state: 'failed' }]))).toBe(false);
    expect(jobsRefetchInterval(q([{ state: 'finished' }, { state: 'running' }]))).toBe(JOBS_REFRESH_MS);
  });
});
