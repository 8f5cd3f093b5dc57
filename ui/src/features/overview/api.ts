//! First start: is the data dir empty (`demo/status`), and load the demo's data into it (`demo/load`, the same demo
//! the CLI's `demo` runs — real runs, a real registry round and a real evaluation on Chromium).

import { useMutation, useQuery } from '../../lib/query';
import { command, type InputOf } from '../../lib/transport';

export const demoStatus = () => command('demo/status', {});
export const loadDemo = (input: InputOf<'demo/load'>) => command('demo/load', input);

export const useDemoStatus = () => useQuery('demo:status', demoStatus);
/** Loading the demo changes every page's data: invalidate everything. */
export const useLoadDemo = () => useMutation(loadDemo, ['']);
