//! Experiments & runs: experiment list, a server-side filter expression, and the virtualised runs table that fetches
//! only the pages in view (runs/search with limit/offset/order_by), so it stays smooth at 100k runs.
//! Select runs with Space (or the checkbox) to compare them; Enter or double-click opens a run.

import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Badge, Empty, ErrorBox, Loading, Section } from '../../../components/ui/States';
import { VirtualTable, type Column } from '../../../components/ui/VirtualTable';
import { href } from '../../../app/routes';
import { toApiError } from '../../../lib/query';
import { duration, num, utc } from '../../../lib/format';
import type { ApiError, RunRow } from '../../../lib/transport';
import { pagesFor } from '../../../lib/windowing';
import { runSearchQuery, useExperiments } from '../api';

const PAGE = 200;

export function statusTone(status: string): 'ok' | 'warn' | 'bad' | 'info' {
  return status === 'finished' ? 'ok' : status === 'running' ? 'info' : status === 'killed' ? 'warn' : 'bad';
}

interface Query {
  filter: string;
  experiments: string[];
  sort: { key: string; desc: boolean };
}

/**
 * Pages of the current query, fetched on demand. A new query keeps showing the previous rows until its first page
 * arrives (no flash of an empty table), then swaps them in; `shown` changes at that moment so the table can scroll
 * back to the top. Each page goes through the QueryClient (`runKeys.search(input)`), so pages seen a moment ago come
 * from the cache and invalidating `runKeys.all` makes the next read of them fetch again.
 */
function useRunPages(q: Query) {
  const [total, setTotal] = useState<number | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [, setVersion] = useState(0);
  const [attempt, setAttempt] = useState(0);
  const [shown, setShown] = useState(0);
  const [updating, setUpdating] = useState(false);
  const pages = useRef(new Map<number, RunRow[]>());
  /** The previous query's pages, shown while `stale` (the new query's first page is on its way). */
  const previous = useRef(new Map<number, RunRow[]>());
  const inflight = useRef(new Set<number>());
  const generation = useRef(0);
  const stale = useRef(false);
  const key = JSON.stringify(q);
  const client = useQueryClient();

  const fetchPage = useCallback(
    (page: number) => {
      // While the previous query's rows are still shown, only the new query's first page is wanted.
      if ((stale.current && page !== 0) || pages.current.has(page) || inflight.current.has(page)) return;
      inflight.current.add(page);
      const gen = generation.current;
      const input = {
        filter: q.filter.trim() || null,
        experiments: q.experiments,
        order_by: [`${q.sort.key} ${q.sort.desc ? 'desc' : 'asc'}`],
        limit: PAGE,
        offset: page * PAGE,
        include_archived: false,
      };
      client.fetchQuery(runSearchQuery(input)).then(
        (res) => {
          if (gen !== generation.current) return;
          inflight.current.delete(page);
          if (stale.current) {
            stale.current = false;
            previous.current = new Map();
            setShown(gen);
            setUpdating(false);
          }
          pages.current.set(page, res.runs);
          setTotal(Number(res.total));
          setVersion((v) => v + 1);
        },
        (e: unknown) => {
          if (gen !== generation.current) return;
          inflight.current.delete(page);
          setUpdating(false);
          setError(toApiError(e));
        },
      );
    },
    [key, attempt, client], // the query is captured through its JSON key; `attempt` changes on retry
  );

  useEffect(() => {
    generation.current += 1;
    inflight.current = new Set();
    // Keep the old rows on screen while there are some; after an error or on first load there is nothing to keep.
    const shownPages = stale.current ? previous.current : pages.current;
    stale.current = shownPages.size > 0;
    previous.current = shownPages;
    pages.current = new Map();
    if (!stale.current) setTotal(null);
    setUpdating(stale.current);
    setError(null);
    fetchPage(0);
  }, [fetchPage]);

  const rowAt = useCallback(
    (i: number) => (stale.current ? previous.current : pages.current).get(Math.floor(i / PAGE))?.[i % PAGE],
    [],
  );
  const onRange = useCallback((start: number, end: number) => pagesFor(start, end, PAGE).forEach(fetchPage), [fetchPage]);
  const retry = useCallback(() => {
    pages.current = new Map();
    previous.current = new Map();
    stale.current = false;
    setAttempt((a) => a + 1);
  }, []);
  return { total, error, rowAt, onRange, retry, shown, updating };
}

export function RunsPage({ initialFilter }: { initialFilter: string }) {
  const experiments = useExperiments();
  const [draft, setDraft] = useState(initialFilter);
  const [query, setQuery] = useState<Query>({ filter: initialFilter, experiments: [], sort: { key: 'start_time', desc: true } });
  const [picked, setPicked] = useState<string[]>([]);
  const { total, error, rowAt, onRange, retry, shown, updating } = useRunPages(query);

  const metricKeys = useMemo(() => {
    const keys = new Set<string>();
    for (let i = 0; i < Math.min(total ?? 0, 50); i++) for (const k of Object.keys(rowAt(i)?.metrics ?? {})) keys.add(k);
    return [...keys].sort().slice(0, 4);
  }, [total, rowAt]);

  const toggle = (row: RunRow) =>
    setPicked((p) => (p.includes(row.run.id) ? p.filter((x) => x !== row.run.id) : [...p, row.run.id]));
  const columns: Column<RunRow>[] = [
    {
      key: 'pick',
      header: '',
      width: '28px',
      render: (r) => (
        <input type="checkbox" aria-label={`select ${r.run.name}`} checked={picked.includes(r.run.id)} onChange={() => toggle(r)} onClick={(e) => e.stopPropagation()} />
      ),
    },
    { key: 'name', header: 'Run', width: '2fr', sortable: true, render: (r) => <a href={href.run(r.run.id)}>{r.run.name || r.run.id}</a> },
    { key: 'experiment', header: 'Experiment', width: '1.4fr', sortable: true, render: (r) => r.experiment_name },
    { key: 'status', header: 'Status', width: '90px', sortable: true, render: (r) => <Badge tone={statusTone(r.run.status)}>{r.run.status}</Badge> },
    // The machine the run ran on: runs synced from a team server keep their own host.
    { key: 'host', header: 'Host', width: '110px', render: (r) => r.run.host || '—' },
    { key: 'start_time', header: 'Started (UTC)', width: '150px', sortable: true, render: (r) => utc(Number(r.run.start_ms)) },
    {
      key: 'duration_ms',
      header: 'Duration',
      width: '90px',
      sortable: true,
      numeric: true,
      render: (r) => (r.run.end_ms == null ? '—' : duration(Number(r.run.end_ms) - Number(r.run.start_ms))),
    },
    ...metricKeys.map((k) => ({
      key: `metrics.${k}`,
      header: k,
      width: '1fr',
      sortable: true,
      numeric: true,
      render: (r: RunRow) => num(r.metrics[k], 4),
    })),
  ];

  const onSort = (key: string) =>
    setQuery((q) => ({ ...q, sort: { key, desc: q.sort.key === key ? !q.sort.desc : true } }));

  return (
    <>
      <h1>Experiments &amp; runs</h1>
      <Section title="Filter">
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery((q) => ({ ...q, filter: draft }));
          }}
        >
          <input
            className="wide"
            style={{ flex: 1 }}
            aria-label="Filter expression"
            placeholder="metrics.success_rate > 0.8 and params.llm_model = 'gpt-4o' and status = 'finished'"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <select
            aria-label="Experiment"
            value={query.experiments[0] ?? ''}
            onChange={(e) => setQuery((q) => ({ ...q, experiments: e.target.value ? [e.target.value] : [] }))}
          >
            <option value="">All experiments</option>
            {experiments.status === 'success'
              ? experiments.data.map((x) => (
                  <option key={x.experiment.id} value={x.experiment.id}>
                    {x.experiment.name}
                  </option>
                ))
              : null}
          </select>
          <button type="submit" className="primary">
            Search
          </button>
          <a className={picked.length >= 2 ? '' : 'muted'} href={picked.length >= 2 ? href.compare(picked) : undefined} aria-disabled={picked.length < 2}>
            Compare {picked.length} selected
          </a>
        </form>
      </Section>
      {error ? (
        <ErrorBox error={error} retry={retry} />
      ) : total === null ? (
        <Loading what="runs" />
      ) : total === 0 ? (
        <Empty title="No runs match">
          {query.filter ? 'Try a looser filter expression.' : 'Log a run with `browser-ai-mlops run start` or run the demo.'}
        </Empty>
      ) : (
        <>
          <div className="muted" aria-live="polite">
            {num(total, 0)} runs · ↑↓ PgUp PgDn Home End to move, Space to select, Enter to open{updating ? ' · updating…' : ''}
          </div>
          <VirtualTable
            key={shown}
            label="Runs"
            columns={columns}
            rowCount={total}
            rowAt={rowAt}
            onRange={onRange}
            onOpen={(r) => (window.location.hash = href.run(r.run.id))}
            rowKey={(r) => r.run.id}
            sort={query.sort}
            onSort={onSort}
            selected={(r) => picked.includes(r.run.id)}
            onToggle={toggle}
          />
        </>
      )}
    </>
  );
}
