//! Environment config commands: list/validate/load environments, set values and feature flags.

import { useMutation, useQuery } from '../../lib/query';
import { command, type InputOf } from '../../lib/transport';

export const listEnvs = () => command('config/list_envs', {});
export const loadEnv = (env: string | null) => command('config/load', { env });
export const validateEnv = (env: string | null) => command('config/validate', { env });
export const setValue = (input: InputOf<'config/set'>) => command('config/set', input);
export const setFeatureFlag = (input: InputOf<'config/set_feature_flag'>) => command('config/set_feature_flag', input);

export const useEnvs = () => useQuery('config:envs', listEnvs);
export const useEnvConfig = (env: string | null) => useQuery(`config:load:${env ?? ''}`, () => loadEnv(env));
export const useValidation = (env: string | null) => useQuery(`config:validate:${env ?? ''}`, () => validateEnv(env));
export const useSetValue = () => useMutation(setValue, ['config:']);
export const useSetFeatureFlag = () => useMutation(setFeatureFlag, ['config:']);
