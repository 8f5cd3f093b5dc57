-- Indexes for the runs table at 100k runs (the UI's virtualised table, `run search`/`run list` pages; measured with
-- ui/bench/ui-bench.mjs, README "UI performance"). Search orders by `<column> <dir>, r.id <dir>` and joins the
-- experiment for its `archived` flag, so each index holds the sort column, then id (the tie-break), then
-- experiment_id: SQLite walks it in order, skips OFFSET rows without reading the table, and stops after LIMIT.
CREATE INDEX runs_by_start_id ON runs (start_ms DESC, id DESC, experiment_id);
CREATE INDEX runs_by_name_id ON runs (name, id, experiment_id);
CREATE INDEX runs_by_status_id ON runs (status, id, experiment_id);
-- Run counts per experiment and status (the experiment list) from the index alone.
CREATE INDEX runs_by_experiment_status ON runs (experiment_id, status);
-- A prefix of runs_by_start_id.
DROP INDEX runs_by_start;
-- A database analysed before this migration (e.g. by `bench`) has statistics for the old indexes only; with those
-- the planner drives the runs table from the experiments and sorts every run (seconds at 100k runs). Refresh the
-- runs table's statistics so the new indexes are costed too (≈ 1 s per 100k runs, once).
ANALYZE runs;
