//! Monitoring and health commands (api::monitor, api::health), one typed function/hook each, and their query keys
//! (all under `['monitor', …]`). Resolving an error refreshes the error lists. The monitoring page keeps its
//! queries live by polling (`MONITOR_REFRESH_MS`); elsewhere (the overview's health panel) they load once.

import { mutationOptions, queryOptions, useMutation, useQuery } from '@tanstack/react-query';
import { typed } from '../../lib/query';
import { command, type AlertsInput, type ErrorsInput, type PerformanceInput } from '../../lib/transport';

/** The window the page shows (hours, ending now). */
export const WINDOW_HOURS = 24;
/** How often the monitoring page re-reads health, alerts, performance and errors while it is open. */
export const MONITOR_REFRESH_MS = 15_000;

export const health = () => command('monitor/health', {});
export const alerts = (input: AlertsInput) => command('monitor/alerts', input);
export const errors = (input: ErrorsInput) => command('monitor/errors', input);
export const performance = (input: PerformanceInput) => command('monitor/performance', input);
export const resolveError = (id: string) => command('monitor/resolve_error', { id });

export const monitorKeys = {
  all: ['monitor'] as const,
  health: () => [...monitorKeys.all, 'health'] as const,
  alerts: (input: AlertsInput) => [...monitorKeys.all, 'alerts', input] as const,
  /** Every error list, whatever its window or filter. */
  errorLists: () => [...monitorKeys.all, 'errors'] as const,
  errors: (input: ErrorsInput) => [...monitorKeys.errorLists(), input] as const,
  performance: (input: PerformanceInput) => [...monitorKeys.all, 'performance', input] as const,
};

/** `live`: poll every MONITOR_REFRESH_MS while mounted (the monitoring page); otherwise read once. */
export interface Live {
  live?: boolean;
}
const interval = ({ live = false }: Live) => (live ? MONITOR_REFRESH_MS : false);

const ALERTS_INPUT: AlertsInput = { open_only: false, hours: WINDOW_HOURS };
const ERRORS_INPUT: ErrorsInput = { hours: WINDOW_HOURS, limit: 100 };
const PERFORMANCE_INPUT: PerformanceInput = { hours: WINDOW_HOURS };

export const healthQuery = (o: Live = {}) =>
  queryOptions({ queryKey: monitorKeys.health(), queryFn: () => typed(health), refetchInterval: interval(o) });
/** Open alerts plus those fired in the window. */
export const alertsQuery = (o: Live = {}) =>
  queryOptions({
    queryKey: monitorKeys.alerts(ALERTS_INPUT),
    queryFn: () => typed(() => alerts(ALERTS_INPUT)),
    refetchInterval: interval(o),
  });
export const errorsQuery = (o: Live = {}) =>
  queryOptions({
    queryKey: monitorKeys.errors(ERRORS_INPUT),
    queryFn: () => typed(() => errors(ERRORS_INPUT)),
    refetchInterval: interval(o),
  });
export const performanceQuery = (o: Live = {}) =>
  queryOptions({
    queryKey: monitorKeys.performance(PERFORMANCE_INPUT),
    queryFn: () => typed(() => performance(PERFORMANCE_INPUT)),
    refetchInterval: interval(o),
  });

export const useHealth = (o: Live = {}) => useQuery(healthQuery(o));
export const useAlerts = (o: Live = {}) => useQuery(alertsQuery(o));
export const useErrors = (o: Live = {}) => useQuery(errorsQuery(o));
export const usePerformance = (o: Live = {}) => useQuery(performanceQuery(o));

export const resolveErrorMutation = mutationOptions({
  mutationFn: (id: string) => typed(() => resolveError(id)),
  onSuccess: (_resolved, _id, _result, { client }) => client.invalidateQueries({ queryKey: monitorKeys.errorLists() }),
});
export const useResolveError = () => useMutation(resolveErrorMutation);
