//! Monitoring and health commands (api::monitor, api::health), one typed function/hook each. Resolving an error
//! refreshes every monitoring query.

import { useMutation, useQuery } from '../../lib/query';
import { command, type AlertsInput, type ErrorsInput, type PerformanceInput } from '../../lib/transport';

/** The window the page shows (hours, ending now). */
export const WINDOW_HOURS = 24;

export const health = () => command('health/health', {});
export const alerts = (input: AlertsInput) => command('health/alerts', input);
export const errors = (input: ErrorsInput) => command('monitor/errors', input);
export const performance = (input: PerformanceInput) => command('monitor/performance', input);
export const resolveError = (id: string) => command('monitor/resolve_error', { id });

export const useHealth = () => useQuery('monitor:health', health);
/** Open alerts plus those fired in the window. */
export const useAlerts = () => useQuery('monitor:alerts', () => alerts({ open_only: false, hours: WINDOW_HOURS }));
export const useErrors = () => useQuery('monitor:errors', () => errors({ hours: WINDOW_HOURS, limit: 100 }));
export const usePerformance = () => useQuery('monitor:performance', () => performance({ hours: WINDOW_HOURS }));
export const useResolveError = () => useMutation(resolveError, ['monitor:']);
