//! First start: is the data dir empty (`demo/status`), and load the demo's data into it (`demo/load`, the same demo
//! the CLI's `demo` runs — real runs, a real registry round and a real evaluation on Chromium).

import { mutationOptions, useMutation, useQuery } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, type InputOf } from '../../lib/transport';

export const demoStatus = () => command('demo/status', {});
export const loadDemo = (input: InputOf<'demo/load'>) => command('demo/load', input);

export const demoKeys = {
  all: ['demo'] as const,
  status: () => [...demoKeys.all, 'status'] as const,
};

export const useDemoStatus = () => useQuery({ queryKey: demoKeys.status(), queryFn: () => typed(demoStatus) });

/** Loading the demo changes every page's data: invalidate every query. */
export const loadDemoMutation = mutationOptions({
  mutationFn: (input: InputOf<'demo/load'>) => typed(() => loadDemo(input)),
  onSuccess: (_out, _input, _result, { client }) => client.invalidateQueries(),
});
export const useLoadDemo = () => useMutation(loadDemoMutation);
