//! A/B test setup lives in the environment config (`ab_tests`): read with config/load, edit with config/set.

import { useMutation, useQuery } from '../../lib/query';
import { command } from '../../lib/transport';

export const loadAbTests = async (env: string | null) => (await command('config/load', { env })).config.ab_tests ?? [];
/** Replace the whole `ab_tests` list (YAML/JSON flow text), validated by the backend before it writes. */
export const saveAbTests = (input: { env: string | null; tests: unknown[] }) =>
  command('config/set', { env: input.env, key: 'ab_tests', value: JSON.stringify(input.tests) });

export const useAbTests = (env: string | null) => useQuery(`config:abtests:${env ?? ''}`, () => loadAbTests(env));
export const useSaveAbTests = () => useMutation(saveAbTests, ['config:']);
