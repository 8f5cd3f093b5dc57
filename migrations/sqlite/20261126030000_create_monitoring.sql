-- Monitoring: what every agent task, action, LLM call and page load did, every error, system health samples and
-- alerts. Rows are written as things happen (not kept in memory), so summaries, /metrics and reports are computed
-- from what really ran and survive restarts. Times are UTC milliseconds.

-- One row per agent task: an evaluation attempt or an ad-hoc `agent run`. Inserted at start ('running'), updated once
-- at the end.
CREATE TABLE mon_tasks (
    id            TEXT PRIMARY KEY NOT NULL,                       -- UUIDv7
    run_id        TEXT REFERENCES runs(id) ON DELETE SET NULL,     -- the tracker run of this task
    evaluation_id TEXT REFERENCES evaluations(id) ON DELETE SET NULL,
    task_id       TEXT,                                            -- the suite's task id; NULL for an ad-hoc task
    model         TEXT NOT NULL,                                   -- `name:version` when registered, else provider/model
    provider      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'error')),
    steps         INTEGER NOT NULL DEFAULT 0 CHECK (steps >= 0),
    started_at_ms INTEGER NOT NULL,
    ended_at_ms   INTEGER,
    CHECK ((status = 'running') = (ended_at_ms IS NULL)),
    CHECK (ended_at_ms IS NULL OR ended_at_ms >= started_at_ms)
);
CREATE INDEX mon_tasks_by_start ON mon_tasks (started_at_ms);
CREATE INDEX mon_tasks_by_end ON mon_tasks (ended_at_ms);

-- One row per executed browser action.
CREATE TABLE mon_actions (
    id          INTEGER PRIMARY KEY,
    task_ref    TEXT REFERENCES mon_tasks(id) ON DELETE CASCADE,
    action_type TEXT NOT NULL,
    success     INTEGER NOT NULL CHECK (success IN (0, 1)),
    duration_ms REAL NOT NULL CHECK (duration_ms >= 0),
    at_ms       INTEGER NOT NULL
);
CREATE INDEX mon_actions_by_time ON mon_actions (at_ms);
CREATE INDEX mon_actions_by_task ON mon_actions (task_ref);

-- One row per LLM request (the offline baseline planner records none: it calls no model).
CREATE TABLE mon_llm_calls (
    id                 INTEGER PRIMARY KEY,
    task_ref           TEXT REFERENCES mon_tasks(id) ON DELETE CASCADE,
    provider           TEXT NOT NULL,
    model              TEXT NOT NULL,
    input_tokens       INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens      INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0),
    cache_write_tokens INTEGER NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
    reasoning_tokens   INTEGER NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
    cost_usd           REAL CHECK (cost_usd IS NULL OR cost_usd >= 0),   -- NULL when the model has no price
    latency_ms         REAL NOT NULL CHECK (latency_ms >= 0),
    success            INTEGER NOT NULL CHECK (success IN (0, 1)),
    at_ms              INTEGER NOT NULL
);
CREATE INDEX mon_llm_calls_by_time ON mon_llm_calls (at_ms);
CREATE INDEX mon_llm_calls_by_task ON mon_llm_calls (task_ref);

-- One row per page load the agent waited for (navigate, go_back, a click that navigated).
CREATE TABLE mon_page_loads (
    id           INTEGER PRIMARY KEY,
    task_ref     TEXT REFERENCES mon_tasks(id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    load_ms      REAL NOT NULL CHECK (load_ms >= 0),
    dom_elements INTEGER CHECK (dom_elements IS NULL OR dom_elements >= 0),
    at_ms        INTEGER NOT NULL
);
CREATE INDEX mon_page_loads_by_time ON mon_page_loads (at_ms);
CREATE INDEX mon_page_loads_by_task ON mon_page_loads (task_ref);

-- Errors with a severity; `resolved` is the only thing that changes after insert.
CREATE TABLE mon_errors (
    id             TEXT PRIMARY KEY NOT NULL,                      -- UUIDv7
    task_ref       TEXT REFERENCES mon_tasks(id) ON DELETE SET NULL,
    error_type     TEXT NOT NULL CHECK (error_type <> ''),
    message        TEXT NOT NULL,
    context        TEXT NOT NULL DEFAULT '{}',                     -- JSON object
    severity       TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    resolved       INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    resolved_at_ms INTEGER,
    at_ms          INTEGER NOT NULL
);
CREATE INDEX mon_errors_by_time ON mon_errors (at_ms);
CREATE INDEX mon_errors_by_type ON mon_errors (error_type, at_ms);

-- System health, one row per sample. Rates are over the interval since the previous sample of the same sampler, so
-- the first sample of a sampler has NULL rates and CPU rather than a fake zero.
CREATE TABLE health_samples (
    id                   INTEGER PRIMARY KEY,
    at_ms                INTEGER NOT NULL,
    cpu_percent          REAL CHECK (cpu_percent IS NULL OR cpu_percent >= 0),   -- whole machine, 0..100
    cpu_count            INTEGER NOT NULL CHECK (cpu_count >= 1),
    memory_used_bytes    INTEGER NOT NULL CHECK (memory_used_bytes >= 0),
    memory_total_bytes   INTEGER NOT NULL CHECK (memory_total_bytes > 0),
    disk_path            TEXT NOT NULL,                                          -- mount point holding the data dir
    disk_used_bytes      INTEGER NOT NULL CHECK (disk_used_bytes >= 0),
    disk_total_bytes     INTEGER NOT NULL CHECK (disk_total_bytes >= 0),
    net_rx_bytes_per_sec REAL,
    net_tx_bytes_per_sec REAL,
    process_rss_bytes    INTEGER NOT NULL CHECK (process_rss_bytes >= 0),
    status               TEXT NOT NULL CHECK (status IN ('healthy', 'warning', 'critical'))
);
CREATE INDEX health_samples_by_time ON health_samples (at_ms);

-- Alerts from the config's thresholds: fired once, resolved once; at most one open alert per rule.
CREATE TABLE alerts (
    id             TEXT PRIMARY KEY NOT NULL,                      -- UUIDv7
    rule           TEXT NOT NULL,                                  -- e.g. error_rate, p95_task_duration, disk_percent
    severity       TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
    message        TEXT NOT NULL,
    observed       REAL NOT NULL,
    threshold      REAL NOT NULL,
    fired_at_ms    INTEGER NOT NULL,
    resolved_at_ms INTEGER CHECK (resolved_at_ms IS NULL OR resolved_at_ms >= fired_at_ms)
);
CREATE UNIQUE INDEX alerts_one_open_per_rule ON alerts (rule) WHERE resolved_at_ms IS NULL;
CREATE INDEX alerts_by_fired ON alerts (fired_at_ms);
