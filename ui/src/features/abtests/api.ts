//! A/B test setup lives in the environment config (`ab_tests`): read with config/load (the same cached query the
//! Settings page uses, under `['config', 'load', env]`), edit with config/set (which refreshes every config query).

import { mutationOptions, queryOptions, useMutation, useQuery } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, type LoadOutput } from '../../lib/transport';
import { envConfigQuery, invalidateConfig } from '../settings/api';

/** Replace the whole `ab_tests` list (YAML/JSON flow text), validated by the backend before it writes. */
export const saveAbTests = (input: { env: string | null; tests: unknown[] }) =>
  command('config/set', { env: input.env, key: 'ab_tests', value: JSON.stringify(input.tests) });

const abTestsOf = (loaded: LoadOutput) => loaded.config.ab_tests ?? [];

export const abTestsQuery = (env: string | null) => queryOptions({ ...envConfigQuery(env), select: abTestsOf });
export const useAbTests = (env: string | null) => useQuery(abTestsQuery(env));
export const saveAbTestsMutation = mutationOptions({
  mutationFn: (input: { env: string | null; tests: unknown[] }) => typed(() => saveAbTests(input)),
  onSuccess: (_out, _input, _result, { client }) => invalidateConfig(client),
});
export const useSaveAbTests = () => useMutation(saveAbTestsMutation);
