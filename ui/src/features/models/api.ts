//! Model registry commands, one typed function/hook each, and their query keys (all under `['models', …]`).
//! Deploy/rollback refresh what a deployment changes: the model list (aliases, the overview's deployments), the
//! model's detail (its versions' aliases) and its deployment history (and the every-model history).

import { mutationOptions, useMutation, useQuery, type QueryClient } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, type Deployment, type InputOf } from '../../lib/transport';

export const listModels = () => command('models/list', {});
export const showModel = (name: string) => command('models/show', { name });
export const compareVersions = (references: string[]) => command('models/compare', { references });
export const deploy = (input: InputOf<'models/deploy'>) => command('models/deploy', input);
export const rollback = (input: InputOf<'models/rollback'>) => command('models/rollback', input);
export const history = (input: InputOf<'models/history'>) => command('models/history', input);

export const modelKeys = {
  all: ['models'] as const,
  list: () => [...modelKeys.all, 'list'] as const,
  detail: (name: string) => [...modelKeys.all, 'show', name] as const,
  /** One model's deployment history; `null` = every model's. */
  history: (model: string | null) => [...modelKeys.all, 'history', model] as const,
  comparison: (refs: string[]) => [...modelKeys.all, 'compare', refs] as const,
};

/** What a deploy or rollback of `model` makes out of date (awaited, so the mutation settles on fresh data). */
export function invalidateDeployment(client: QueryClient, d: Pick<Deployment, 'model_name'>): Promise<unknown> {
  return Promise.all([
    client.invalidateQueries({ queryKey: modelKeys.list() }),
    client.invalidateQueries({ queryKey: modelKeys.detail(d.model_name) }),
    client.invalidateQueries({ queryKey: modelKeys.history(d.model_name) }),
    client.invalidateQueries({ queryKey: modelKeys.history(null) }),
  ]);
}

export const deployMutation = mutationOptions({
  mutationFn: (input: InputOf<'models/deploy'>) => typed(() => deploy(input)),
  onSuccess: (d, _input, _result, { client }) => invalidateDeployment(client, d),
});
export const rollbackMutation = mutationOptions({
  mutationFn: (input: InputOf<'models/rollback'>) => typed(() => rollback(input)),
  onSuccess: (d, _input, _result, { client }) => invalidateDeployment(client, d),
});

export const useModels = () => useQuery({ queryKey: modelKeys.list(), queryFn: () => typed(listModels) });
export const useModel = (name: string | null) =>
  useQuery({ queryKey: modelKeys.detail(name ?? ''), queryFn: () => typed(() => showModel(name ?? '')), enabled: name !== null });
export const useHistory = (model: string | null) =>
  useQuery({ queryKey: modelKeys.history(model), queryFn: () => typed(() => history({ model, target: null })) });
export const useVersionComparison = (refs: string[]) =>
  useQuery({
    queryKey: modelKeys.comparison(refs),
    queryFn: () => typed(() => compareVersions(refs)),
    enabled: refs.length >= 2,
  });
export const useDeploy = () => useMutation(deployMutation);
export const useRollback = () => useMutation(rollbackMutation);
