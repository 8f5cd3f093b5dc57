//! First start: is the data dir empty (`demo/status`), and load the demo's data into it (`demo/load`, the same demo
//! the CLI's `demo` runs — real runs, a real registry round and a real evaluation on Chromium). Loading streams the
//! demo's narrative line by line while it runs.

import { mutationOptions, useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { typed } from '../../lib/query';
import { command, stream, type InputOf } from '../../lib/transport';

export const demoStatus = () => command('demo/status', {});
export const loadDemo = (input: InputOf<'demo/load'>, onLine: (line: string) => void = () => {}) =>
  stream('demo/load', input, onLine);

export const demoKeys = {
  all: ['demo'] as const,
  status: () => [...demoKeys.all, 'status'] as const,
};

export const useDemoStatus = () => useQuery({ queryKey: demoKeys.status(), queryFn: () => typed(demoStatus) });

/** Loading the demo changes every page's data: invalidate every query. `onLine` gets the narrative as it happens. */
export const loadDemoMutationWith = (onLine: (line: string) => void) =>
  mutationOptions({
    mutationFn: (input: InputOf<'demo/load'>) => typed(() => loadDemo(input, onLine)),
    onSuccess: (_out, _input, _result, { client }) => client.invalidateQueries(),
  });
export const loadDemoMutation = loadDemoMutationWith(() => {});

/** The load mutation plus the narrative lines received so far (reset at each load). */
export function useLoadDemo() {
  const [lines, setLines] = useState<readonly string[]>([]);
  const onLine = useCallback((line: string) => setLines((cur) => [...cur, line]), []);
  const mutation = useMutation({
    ...loadDemoMutationWith(onLine),
    onMutate: () => setLines([]),
  });
  return { mutation, lines };
}
