//! Model registry commands, one typed function/hook each. Deploy/rollback invalidate the registry's queries.

import { useMutation, useQuery } from '../../lib/query';
import { command, type InputOf } from '../../lib/transport';

export const listModels = () => command('models/list', {});
export const showModel = (name: string) => command('models/show', { name });
export const compareVersions = (references: string[]) => command('models/compare', { references });
export const deploy = (input: InputOf<'models/deploy'>) => command('models/deploy', input);
export const rollback = (input: InputOf<'models/rollback'>) => command('models/rollback', input);
export const history = (input: InputOf<'models/history'>) => command('models/history', input);

export const useModels = () => useQuery('models:list', listModels);
export const useModel = (name: string | null) => useQuery(name ? `models:show:${name}` : null, () => showModel(name ?? ''));
export const useHistory = (model: string | null) =>
  useQuery(`models:history:${model ?? '*'}`, () => history({ model, target: null }));
export const useVersionComparison = (refs: string[]) =>
  useQuery(refs.length >= 2 ? `models:compare:${refs.join(',')}` : null, () => compareVersions(refs));
export const useDeploy = () => useMutation(deploy, ['models:']);
export const useRollback = () => useMutation(rollback, ['models:']);
