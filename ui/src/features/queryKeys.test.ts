//! The features' query-key factories against a real QueryClient: a prefix invalidates exactly the queries meant.

import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQueryClient } from '../lib/query';
import { evalKeys } from './evals/api';
import { modelKeys } from './models/api';
import { monitorKeys } from './monitoring/api';
import { experimentKeys, runKeys } from './runs/api';
import { configKeys } from './settings/api';
import { secretKeys } from './settings/secrets';

const search = (filter: string, offset: number) => ({
  filter,
  experiments: [],
  order_by: ['start_time desc'],
  limit: 200,
  offset,
  include_archived: false,
});

/** One query per kind, several for the parametrised ones. */
const SEEDED: Record<string, QueryKey> = {
  runSearchA0: runKeys.search(search('status = "finished"', 0)),
  runSearchA1: runKeys.search(search('status = "finished"', 200)),
  runSearchB0: runKeys.search(search('', 0)),
  runList: runKeys.list({ experiment: null, statuses: [], limit: 10, offset: null, include_archived: false }),
  run1: runKeys.detail('r1'),
  run1Timeline: runKeys.timeline('r1'),
  run2: runKeys.detail('r2'),
  runCompare: runKeys.comparison(['r1', 'r2']),
  runHistories: runKeys.histories(['r1'], ['loss']),
  artifact: runKeys.artifact('ab'.repeat(32)),
  experiments: experimentKeys.list(false),
  experimentsAll: experimentKeys.list(true),
  models: modelKeys.list(),
  modelA: modelKeys.detail('checkout-agent'),
  modelB: modelKeys.detail('search-agent'),
  historyA: modelKeys.history('checkout-agent'),
  historyB: modelKeys.history('search-agent'),
  historyAll: modelKeys.history(null),
  modelCompare: modelKeys.comparison(['checkout-agent:1', 'checkout-agent:2']),
  health: monitorKeys.health(),
  alerts: monitorKeys.alerts({ open_only: false, hours: 24 }),
  errors24: monitorKeys.errors({ hours: 24, limit: 100 }),
  errorsOpen: monitorKeys.errors({ unresolved_only: true }),
  performance: monitorKeys.performance({ hours: 24 }),
  evalJobs: evalKeys.jobs(),
  evalList20: evalKeys.list(20),
  evalList50: evalKeys.list(50),
  evalResults: evalKeys.results('e1'),
  evalCompare: evalKeys.comparison('e1', 'e2'),
  envs: configKeys.envs(),
  configActive: configKeys.load(null),
  configStaging: configKeys.load('staging'),
  validateActive: configKeys.validate(null),
  secrets: secretKeys.status(null),
};

let client: QueryClient;
/** Fresh data in every seeded query (setting data also clears a query's invalidated mark). */
const seed = () => {
  for (const key of Object.values(SEEDED)) client.setQueryData(key, { seeded: true });
};
beforeEach(() => {
  client = createQueryClient();
  seed();
});
afterEach(() => client.clear());

/** The names of the seeded queries currently marked invalid. */
function invalidated(): string[] {
  return Object.entries(SEEDED)
    .filter(([, key]) => client.getQueryState(key)?.isInvalidated)
    .map(([name]) => name)
    .sort();
}

/** Which seeded queries invalidating `prefix` marks, starting from all fresh. */
async function invalidating(prefix: QueryKey): Promise<string[]> {
  seed();
  expect(invalidated()).toEqual([]);
  await client.invalidateQueries({ queryKey: prefix });
  return invalidated();
}

describe('query keys', () => {
  it('are distinct for every seeded query (no two collapse onto one cache entry)', () => {
    expect(client.getQueryCache().getAll()).toHaveLength(Object.keys(SEEDED).length);
  });

  it('start with their feature, then the kind of query', () => {
    expect(runKeys.search(search('', 0))).toEqual(['runs', 'search', search('', 0)]);
    expect(modelKeys.history('m')).toEqual(['models', 'history', 'm']);
    expect(evalKeys.list(20)).toEqual(['evals', 'list', 20]);
    expect(configKeys.load(null)).toEqual(['config', 'load', null]);
  });

  it("['runs'] covers every runs query and nothing else", async () => {
    expect(await invalidating(runKeys.all)).toEqual(
      ['artifact', 'run1', 'run1Timeline', 'run2', 'runCompare', 'runHistories', 'runList', 'runSearchA0', 'runSearchA1', 'runSearchB0'].sort(),
    );
  });

  it('the searches prefix covers every page of every search, a search key only its own page', async () => {
    expect(await invalidating(runKeys.searches())).toEqual(['runSearchA0', 'runSearchA1', 'runSearchB0']);
    expect(await invalidating(runKeys.search(search('status = "finished"', 200)))).toEqual(['runSearchA1']);
  });

  it("one run's prefix covers its summary and timeline, not another run's", async () => {
    expect(await invalidating(runKeys.run('r1'))).toEqual(['run1', 'run1Timeline']);
  });

  it("a model's history key does not touch other models' histories; the every-model history is its own key", async () => {
    expect(await invalidating(modelKeys.history('checkout-agent'))).toEqual(['historyA']);
    expect(await invalidating(modelKeys.history(null))).toEqual(['historyAll']);
  });

  it("['models'] covers the registry only; ['experiments'] is not under ['runs']", async () => {
    expect(await invalidating(modelKeys.all)).toEqual(
      ['historyA', 'historyAll', 'historyB', 'modelA', 'modelB', 'modelCompare', 'models'].sort(),
    );
    expect(await invalidating(experimentKeys.all)).toEqual(['experiments', 'experimentsAll']);
  });

  it('error lists, whatever their input, share one prefix that leaves health, alerts and performance alone', async () => {
    expect(await invalidating(monitorKeys.errorLists())).toEqual(['errors24', 'errorsOpen']);
  });

  it("evaluation lists share a prefix; ['evals'] covers jobs, lists, results and comparisons", async () => {
    expect(await invalidating(evalKeys.lists())).toEqual(['evalList20', 'evalList50']);
    expect(await invalidating(evalKeys.all)).toEqual(['evalCompare', 'evalJobs', 'evalList20', 'evalList50', 'evalResults']);
  });

  it("['config'] covers every environment's config, validation and the environment list, not key status", async () => {
    expect(await invalidating(configKeys.all)).toEqual(['configActive', 'configStaging', 'envs', 'validateActive']);
  });
});
