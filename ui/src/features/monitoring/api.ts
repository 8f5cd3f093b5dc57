//! Monitoring and health commands (api::monitor, api::health). Their Rust types join bindings.ts at the merge; until
//! then outputs are `unknown` and the pages render them generically.

import { useMutation, useQuery } from '../../lib/query';
import { command } from '../../lib/transport';

export const health = () => command('health/health', {});
export const alerts = () => command('health/alerts', {});
export const errors = () => command('monitor/errors', {});
export const performance = () => command('monitor/performance', {});
export const resolveError = (id: string) => command('monitor/resolve_error', { id });

export const useHealth = () => useQuery('monitor:health', health);
export const useAlerts = () => useQuery('monitor:alerts', alerts);
export const useErrors = () => useQuery('monitor:errors', errors);
export const usePerformance = () => useQuery('monitor:performance', performance);
export const useResolveError = () => useMutation(resolveError, ['monitor:errors']);
