-- The team server's schema on PostgreSQL: the same tables, columns, keys, checks and immutability rules as the
-- SQLite file after all of migrations/sqlite/, so every record keeps its id and shape on both stores. ids are
-- UUIDv7 text, times are UTC milliseconds (BIGINT), flags are BOOLEAN, JSON documents are stored as text exactly as
-- in SQLite. Tables that sync carry updated_at_ms and origin (the host a record was created on).

CREATE FUNCTION bam_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0];
END;
$$;

-- Tracker and registry ----------------------------------------------------------------------------------------------

CREATE TABLE experiments (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '{}',
    archived      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'local'
);

CREATE TABLE models (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'local'
);

CREATE TABLE model_versions (
    id                TEXT PRIMARY KEY,
    model_id          TEXT NOT NULL REFERENCES models(id) ON DELETE RESTRICT,
    version           BIGINT NOT NULL CHECK (version >= 1),
    provider          TEXT NOT NULL CHECK (provider IN
                        ('openai', 'anthropic', 'gemini', 'ollama', 'openai-compatible', 'baseline')),
    model             TEXT NOT NULL,
    base_url          TEXT,
    temperature       DOUBLE PRECISION NOT NULL,
    max_tokens        BIGINT,
    top_p             DOUBLE PRECISION,
    system_prompt     TEXT NOT NULL DEFAULT '',
    extra_params      TEXT NOT NULL DEFAULT '{}',
    description       TEXT NOT NULL DEFAULT '',
    changelog         TEXT NOT NULL DEFAULT '',
    parent_version_id TEXT REFERENCES model_versions(id),
    config_diff       TEXT NOT NULL DEFAULT '[]',
    created_by        TEXT NOT NULL DEFAULT '',
    archived_at_ms    BIGINT,
    created_at_ms     BIGINT NOT NULL,
    updated_at_ms     BIGINT NOT NULL,
    origin            TEXT NOT NULL DEFAULT 'local',
    UNIQUE (model_id, version)
);

-- A version's configuration never changes after it is written; it is archived at most once.
CREATE TRIGGER model_versions_are_immutable
BEFORE UPDATE OF id, model_id, version, provider, model, base_url, temperature, max_tokens, top_p, system_prompt,
                 extra_params, description, changelog, parent_version_id, config_diff, created_by, created_at_ms
ON model_versions FOR EACH ROW
EXECUTE FUNCTION bam_refuse('model versions are immutable');

CREATE TRIGGER model_versions_archive_once
BEFORE UPDATE OF archived_at_ms ON model_versions FOR EACH ROW
WHEN (OLD.archived_at_ms IS NOT NULL)
EXECUTE FUNCTION bam_refuse('model version is already archived');

CREATE TABLE model_aliases (
    model_id      TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    alias         TEXT NOT NULL,
    version_id    TEXT NOT NULL REFERENCES model_versions(id),
    updated_at_ms BIGINT NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'local',
    PRIMARY KEY (model_id, alias)
);

-- Append-only audit log of alias moves.
CREATE TABLE deployments (
    id              TEXT PRIMARY KEY,
    model_id        TEXT NOT NULL REFERENCES models(id),
    target          TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('deploy', 'rollback')),
    from_version_id TEXT REFERENCES model_versions(id),
    to_version_id   TEXT NOT NULL REFERENCES model_versions(id),
    os_user         TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    origin          TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX deployments_by_target ON deployments (model_id, target, created_at_ms);

CREATE TRIGGER deployments_are_append_only
BEFORE UPDATE ON deployments FOR EACH ROW
EXECUTE FUNCTION bam_refuse('deployment records are append-only');

CREATE TABLE runs (
    id               TEXT PRIMARY KEY,
    experiment_id    TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
    model_version_id TEXT REFERENCES model_versions(id),
    start_ms         BIGINT NOT NULL,
    end_ms           BIGINT,
    error            TEXT,
    pid              BIGINT,
    host             TEXT NOT NULL DEFAULT '',
    updated_at_ms    BIGINT NOT NULL,
    origin           TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX runs_by_experiment ON runs (experiment_id, start_ms DESC);
CREATE INDEX runs_by_status ON runs (status, start_ms DESC);
CREATE INDEX runs_by_model_version ON runs (model_version_id);
CREATE INDEX runs_by_start_id ON runs (start_ms DESC, id DESC, experiment_id);
CREATE INDEX runs_by_name_id ON runs (name, id, experiment_id);
CREATE INDEX runs_by_status_id ON runs (status, id, experiment_id);
CREATE INDEX runs_by_experiment_status ON runs (experiment_id, status);

CREATE TABLE run_params (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX run_params_by_key_value ON run_params (key, value, run_id);

CREATE TABLE run_tags (
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX run_tags_by_key_value ON run_tags (key, value, run_id);

-- Metric points keyed by a series (one per run and key); a series id is never reused.
CREATE TABLE metric_series (
    id     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    UNIQUE (run_id, key)
);

CREATE TABLE metric_values (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    series_id BIGINT NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
    step      BIGINT NOT NULL,
    ts_ms     BIGINT NOT NULL,
    value     DOUBLE PRECISION NOT NULL
);
CREATE INDEX metric_values_by_series_step ON metric_values (series_id, step);

CREATE VIEW metric_points (id, run_id, key, value, step, ts_ms) AS
    SELECT v.id, s.run_id, s.key, v.value, v.step, v.ts_ms
    FROM metric_values v JOIN metric_series s ON s.id = v.series_id;

-- Per (run, key) aggregate, maintained with the points; "last" is the value with the greatest (step, ts_ms).
CREATE TABLE run_metric_summary (
    run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    last_value DOUBLE PRECISION NOT NULL,
    last_step  BIGINT NOT NULL,
    last_ts_ms BIGINT NOT NULL,
    min_value  DOUBLE PRECISION NOT NULL,
    max_value  DOUBLE PRECISION NOT NULL,
    sum_value  DOUBLE PRECISION NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX run_metric_summary_by_key_last ON run_metric_summary (key, last_value, run_id);

CREATE TABLE run_messages (
    id                 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id             TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    role               TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content            TEXT NOT NULL,
    tool_calls         TEXT NOT NULL DEFAULT '[]',
    input_tokens       BIGINT NOT NULL DEFAULT 0,
    output_tokens      BIGINT NOT NULL DEFAULT 0,
    cache_read_tokens  BIGINT NOT NULL DEFAULT 0,
    cache_write_tokens BIGINT NOT NULL DEFAULT 0,
    reasoning_tokens   BIGINT NOT NULL DEFAULT 0,
    ts_ms              BIGINT NOT NULL
);
CREATE INDEX run_messages_by_run ON run_messages (run_id, id);

CREATE TABLE run_actions (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    action_type TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    success     BOOLEAN NOT NULL,
    duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0),
    error       TEXT,
    ts_ms       BIGINT NOT NULL
);
CREATE INDEX run_actions_by_run ON run_actions (run_id, id);

-- Evaluations ------------------------------------------------------------------------------------------------------

CREATE TABLE evaluations (
    id               TEXT PRIMARY KEY,
    model_version_id TEXT REFERENCES model_versions(id),
    suite            TEXT NOT NULL,
    suite_hash       TEXT NOT NULL,
    config           TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    error            TEXT,
    started_at_ms    BIGINT NOT NULL,
    ended_at_ms      BIGINT,
    updated_at_ms    BIGINT NOT NULL,
    origin           TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX evaluations_by_version ON evaluations (model_version_id, started_at_ms DESC);
CREATE INDEX evaluations_by_start ON evaluations (started_at_ms DESC);

CREATE TABLE task_results (
    id              TEXT PRIMARY KEY,
    evaluation_id   TEXT NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    task_id         TEXT NOT NULL,
    attempt         BIGINT NOT NULL CHECK (attempt >= 1),
    run_id          TEXT REFERENCES runs(id) ON DELETE SET NULL,
    category        TEXT NOT NULL,
    difficulty      TEXT NOT NULL,
    seed            BIGINT CHECK (seed IS NULL OR (seed >= 0 AND seed < 4294967296)),
    success         BOOLEAN NOT NULL,
    score           DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 1 AND (success OR score < 1)),
    steps           BIGINT NOT NULL CHECK (steps >= 0),
    input_tokens    BIGINT NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens   BIGINT NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost_usd        DOUBLE PRECISION,
    duration_ms     BIGINT NOT NULL CHECK (duration_ms >= 0),
    final_url       TEXT NOT NULL DEFAULT '',
    answer          TEXT,
    evidence        TEXT NOT NULL DEFAULT '[]',
    error           TEXT,
    screenshot_hash TEXT,
    created_at_ms   BIGINT NOT NULL,
    updated_at_ms   BIGINT NOT NULL,
    origin          TEXT NOT NULL DEFAULT 'local',
    UNIQUE (evaluation_id, task_id, attempt)
);
CREATE INDEX task_results_by_run ON task_results (run_id);

-- Artifacts: zstd-compressed, content-addressed by the hex SHA-256 of the raw bytes -----------------------------------

CREATE TABLE artifacts (
    hash          TEXT PRIMARY KEY CHECK (length(hash) = 64),
    kind          TEXT NOT NULL CHECK (kind <> ''),
    mime          TEXT NOT NULL,
    size_bytes    BIGINT NOT NULL CHECK (size_bytes >= 0),
    compressed    BYTEA NOT NULL,
    created_at_ms BIGINT NOT NULL
);

CREATE TABLE run_artifacts (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step          BIGINT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind <> ''),
    hash          TEXT NOT NULL REFERENCES artifacts(hash),
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX run_artifacts_by_run ON run_artifacts (run_id, step, id);
CREATE INDEX run_artifacts_by_hash ON run_artifacts (hash);

-- Monitoring -------------------------------------------------------------------------------------------------------

CREATE TABLE mon_tasks (
    id            TEXT PRIMARY KEY,
    run_id        TEXT REFERENCES runs(id) ON DELETE SET NULL,
    evaluation_id TEXT REFERENCES evaluations(id) ON DELETE SET NULL,
    task_id       TEXT,
    model         TEXT NOT NULL,
    provider      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'error')),
    steps         BIGINT NOT NULL DEFAULT 0 CHECK (steps >= 0),
    started_at_ms BIGINT NOT NULL,
    ended_at_ms   BIGINT,
    CHECK ((status = 'running') = (ended_at_ms IS NULL)),
    CHECK (ended_at_ms IS NULL OR ended_at_ms >= started_at_ms)
);
CREATE INDEX mon_tasks_by_start ON mon_tasks (started_at_ms);
CREATE INDEX mon_tasks_by_end ON mon_tasks (ended_at_ms);

CREATE TABLE mon_actions (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    task_ref    TEXT REFERENCES mon_tasks(id) ON DELETE CASCADE,
    action_type TEXT NOT NULL,
    success     BOOLEAN NOT NULL,
    duration_ms DOUBLE PRECISION NOT NULL CHECK (duration_ms >= 0),
    at_ms       BIGINT NOT NULL
);
CREATE INDEX mon_actions_by_time ON mon_actions (at_ms);
CREATE INDEX mon_actions_by_task ON mon_actions (task_ref);

CREATE TABLE mon_llm_calls (
    id                 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    task_ref           TEXT REFERENCES mon_tasks(id) ON DELETE CASCADE,
    provider           TEXT NOT NULL,
    model              TEXT NOT NULL,
    input_tokens       BIGINT NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens      BIGINT NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cache_read_tokens  BIGINT NOT NULL DEFAULT 0 CHECK (cache_read_tokens >= 0),
    cache_write_tokens BIGINT NOT NULL DEFAULT 0 CHECK (cache_write_tokens >= 0),
    reasoning_tokens   BIGINT NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
    cost_usd           DOUBLE PRECISION CHECK (cost_usd IS NULL OR cost_usd >= 0),
    latency_ms         DOUBLE PRECISION NOT NULL CHECK (latency_ms >= 0),
    success            BOOLEAN NOT NULL,
    at_ms              BIGINT NOT NULL
);
CREATE INDEX mon_llm_calls_by_time ON mon_llm_calls (at_ms);
CREATE INDEX mon_llm_calls_by_task ON mon_llm_calls (task_ref);

CREATE TABLE mon_page_loads (
    id           BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    task_ref     TEXT REFERENCES mon_tasks(id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    load_ms      DOUBLE PRECISION NOT NULL CHECK (load_ms >= 0),
    dom_elements BIGINT CHECK (dom_elements IS NULL OR dom_elements >= 0),
    at_ms        BIGINT NOT NULL
);
CREATE INDEX mon_page_loads_by_time ON mon_page_loads (at_ms);
CREATE INDEX mon_page_loads_by_task ON mon_page_loads (task_ref);

CREATE TABLE mon_errors (
    id             TEXT PRIMARY KEY,
    task_ref       TEXT REFERENCES mon_tasks(id) ON DELETE SET NULL,
    error_type     TEXT NOT NULL CHECK (error_type <> ''),
    message        TEXT NOT NULL,
    context        TEXT NOT NULL DEFAULT '{}',
    severity       TEXT NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
    resolved       BOOLEAN NOT NULL DEFAULT FALSE,
    resolved_at_ms BIGINT,
    at_ms          BIGINT NOT NULL
);
CREATE INDEX mon_errors_by_time ON mon_errors (at_ms);
CREATE INDEX mon_errors_by_type ON mon_errors (error_type, at_ms);

CREATE TABLE health_samples (
    id                   BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at_ms                BIGINT NOT NULL,
    cpu_percent          DOUBLE PRECISION CHECK (cpu_percent IS NULL OR cpu_percent >= 0),
    cpu_count            BIGINT NOT NULL CHECK (cpu_count >= 1),
    memory_used_bytes    BIGINT NOT NULL CHECK (memory_used_bytes >= 0),
    memory_total_bytes   BIGINT NOT NULL CHECK (memory_total_bytes > 0),
    disk_path            TEXT NOT NULL,
    disk_used_bytes      BIGINT NOT NULL CHECK (disk_used_bytes >= 0),
    disk_total_bytes     BIGINT NOT NULL CHECK (disk_total_bytes >= 0),
    net_rx_bytes_per_sec DOUBLE PRECISION,
    net_tx_bytes_per_sec DOUBLE PRECISION,
    process_rss_bytes    BIGINT NOT NULL CHECK (process_rss_bytes >= 0),
    status               TEXT NOT NULL CHECK (status IN ('healthy', 'warning', 'critical'))
);
CREATE INDEX health_samples_by_time ON health_samples (at_ms);

CREATE TABLE alerts (
    id             TEXT PRIMARY KEY,
    rule           TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('warning', 'critical')),
    message        TEXT NOT NULL,
    observed       DOUBLE PRECISION NOT NULL,
    threshold      DOUBLE PRECISION NOT NULL,
    fired_at_ms    BIGINT NOT NULL,
    resolved_at_ms BIGINT CHECK (resolved_at_ms IS NULL OR resolved_at_ms >= fired_at_ms)
);
CREATE UNIQUE INDEX alerts_one_open_per_rule ON alerts (rule) WHERE resolved_at_ms IS NULL;
CREATE INDEX alerts_by_fired ON alerts (fired_at_ms);

-- Idempotency records, written in the same transaction as what they record -----------------------------------------

CREATE TABLE ingest_batches (
    batch_id       TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL,
    stored_at_ms   BIGINT NOT NULL,
    report         TEXT NOT NULL
);

CREATE TABLE http_idempotency (
    idempotency_key TEXT NOT NULL,
    operation       TEXT NOT NULL,
    body_sha256     TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at_ms   BIGINT NOT NULL,
    PRIMARY KEY (idempotency_key, operation)
);
