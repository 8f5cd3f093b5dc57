//! Environment config commands: list/validate/load environments, set values and feature flags; their query keys
//! all live under `['config', …]`. A write refreshes every config query (and the API-key status, which lists the
//! references the config uses).

import { mutationOptions, queryOptions, useMutation, useQuery, type QueryClient } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, type InputOf } from '../../lib/transport';
import { secretKeys } from './secrets';

export const listEnvs = () => command('config/list_envs', {});
export const loadEnv = (env: string | null) => command('config/load', { env });
export const validateEnv = (env: string | null) => command('config/validate', { env });
export const setValue = (input: InputOf<'config/set'>) => command('config/set', input);
export const setFeatureFlag = (input: InputOf<'config/set_flag'>) => command('config/set_flag', input);

/** `env: null` = the server's active environment. */
export const configKeys = {
  all: ['config'] as const,
  envs: () => [...configKeys.all, 'envs'] as const,
  load: (env: string | null) => [...configKeys.all, 'load', env] as const,
  validate: (env: string | null) => [...configKeys.all, 'validate', env] as const,
};

/** One environment's loaded config (shared by Settings and the A/B tests page, which selects `ab_tests`). */
export const envConfigQuery = (env: string | null) =>
  queryOptions({ queryKey: configKeys.load(env), queryFn: () => typed(() => loadEnv(env)) });

/** After any config write: every environment's config, validation and list may differ, and so may key status. */
export function invalidateConfig(client: QueryClient): Promise<unknown> {
  return Promise.all([
    client.invalidateQueries({ queryKey: configKeys.all }),
    client.invalidateQueries({ queryKey: secretKeys.all }),
  ]);
}

export const setValueMutation = mutationOptions({
  mutationFn: (input: InputOf<'config/set'>) => typed(() => setValue(input)),
  onSuccess: (_out, _input, _result, { client }) => invalidateConfig(client),
});
export const setFeatureFlagMutation = mutationOptions({
  mutationFn: (input: InputOf<'config/set_flag'>) => typed(() => setFeatureFlag(input)),
  onSuccess: (_out, _input, _result, { client }) => invalidateConfig(client),
});

export const useEnvs = () => useQuery({ queryKey: configKeys.envs(), queryFn: () => typed(listEnvs) });
export const useEnvConfig = (env: string | null) => useQuery(envConfigQuery(env));
export const useValidation = (env: string | null) =>
  useQuery({ queryKey: configKeys.validate(env), queryFn: () => typed(() => validateEnv(env)) });
export const useSetValue = () => useMutation(setValueMutation);
export const useSetFeatureFlag = () => useMutation(setFeatureFlagMutation);
