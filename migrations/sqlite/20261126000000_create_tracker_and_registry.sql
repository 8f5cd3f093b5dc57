-- Foundation schema: experiment tracker and model registry.
-- ids are UUIDv7 strings, times are UTC milliseconds. Tables that sync carry updated_at_ms and origin.

CREATE TABLE experiments (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    tags          TEXT NOT NULL DEFAULT '{}',            -- JSON object name -> value
    archived      INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'local'
);

CREATE TABLE models (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'local'
);

CREATE TABLE model_versions (
    id                TEXT PRIMARY KEY NOT NULL,
    model_id          TEXT NOT NULL REFERENCES models(id) ON DELETE RESTRICT,
    version           INTEGER NOT NULL CHECK (version >= 1),
    provider          TEXT NOT NULL CHECK (provider IN
                        ('openai', 'anthropic', 'gemini', 'ollama', 'openai-compatible', 'baseline')),
    model             TEXT NOT NULL,
    base_url          TEXT,
    temperature       REAL NOT NULL,
    max_tokens        INTEGER,
    top_p             REAL,
    system_prompt     TEXT NOT NULL DEFAULT '',
    extra_params      TEXT NOT NULL DEFAULT '{}',        -- JSON object
    description       TEXT NOT NULL DEFAULT '',
    changelog         TEXT NOT NULL DEFAULT '',
    parent_version_id TEXT REFERENCES model_versions(id),
    config_diff       TEXT NOT NULL DEFAULT '[]',        -- JSON list of {field, from, to} against the parent
    created_by        TEXT NOT NULL DEFAULT '',
    archived_at_ms    INTEGER,                           -- the only column that may change, once
    created_at_ms     INTEGER NOT NULL,
    updated_at_ms     INTEGER NOT NULL,
    origin            TEXT NOT NULL DEFAULT 'local',
    UNIQUE (model_id, version)
);

-- A version's configuration never changes after it is written.
CREATE TRIGGER model_versions_are_immutable
BEFORE UPDATE OF id, model_id, version, provider, model, base_url, temperature, max_tokens, top_p,
                 system_prompt, extra_params, description, changelog, parent_version_id, config_diff,
                 created_by, created_at_ms
ON model_versions
BEGIN
    SELECT RAISE(ABORT, 'model versions are immutable');
END;

CREATE TRIGGER model_versions_archive_once
BEFORE UPDATE OF archived_at_ms ON model_versions
WHEN OLD.archived_at_ms IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'model version is already archived');
END;

CREATE TABLE model_aliases (
    model_id      TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    alias         TEXT NOT NULL,
    version_id    TEXT NOT NULL REFERENCES model_versions(id),
    updated_at_ms INTEGER NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'local',
    PRIMARY KEY (model_id, alias)
) WITHOUT ROWID;

-- Append-only audit log of alias moves.
CREATE TABLE deployments (
    id              TEXT PRIMARY KEY NOT NULL,
    model_id        TEXT NOT NULL REFERENCES models(id),
    target          TEXT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('deploy', 'rollback')),
    from_version_id TEXT REFERENCES model_versions(id),
    to_version_id   TEXT NOT NULL REFERENCES model_versions(id),
    os_user         TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    origin          TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX deployments_by_target ON deployments (model_id, target, created_at_ms);

CREATE TRIGGER deployments_are_append_only
BEFORE UPDATE ON deployments
BEGIN
    SELECT RAISE(ABORT, 'deployment records are append-only');
END;

CREATE TABLE runs (
    id               TEXT PRIMARY KEY NOT NULL,
    experiment_id    TEXT NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
    model_version_id TEXT REFERENCES model_versions(id),
    start_ms         INTEGER NOT NULL,
    end_ms           INTEGER,
    error            TEXT,
    pid              INTEGER,                            -- process that started the run
    host             TEXT NOT NULL DEFAULT '',
    updated_at_ms    INTEGER NOT NULL,
    origin           TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX runs_by_experiment ON runs (experiment_id, start_ms DESC);
CREATE INDEX runs_by_status ON runs (status, start_ms DESC);
CREATE INDEX runs_by_start ON runs (start_ms DESC);
CREATE INDEX runs_by_model_version ON runs (model_version_id);

CREATE TABLE run_params (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_params_by_key_value ON run_params (key, value, run_id);

CREATE TABLE run_tags (
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_tags_by_key_value ON run_tags (key, value, run_id);

-- Append-only metric points.
CREATE TABLE metric_points (
    id     INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  REAL NOT NULL,
    step   INTEGER NOT NULL,
    ts_ms  INTEGER NOT NULL
);
CREATE INDEX metric_points_by_run_key ON metric_points (run_id, key, step);

-- Per (run, key) aggregate, maintained by the metric writer in the same transaction as the points.
-- "last" is the value with the greatest (step, ts_ms), as in MLflow's latest-metric semantics.
CREATE TABLE run_metric_summary (
    run_id     TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    last_value REAL NOT NULL,
    last_step  INTEGER NOT NULL,
    last_ts_ms INTEGER NOT NULL,
    min_value  REAL NOT NULL,
    max_value  REAL NOT NULL,
    sum_value  REAL NOT NULL,
    count      INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
CREATE INDEX run_metric_summary_by_key_last ON run_metric_summary (key, last_value, run_id);

CREATE TABLE run_messages (
    id                 INTEGER PRIMARY KEY,
    run_id             TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    role               TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content            TEXT NOT NULL,
    tool_calls         TEXT NOT NULL DEFAULT '[]',       -- JSON list
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
    ts_ms              INTEGER NOT NULL
);
CREATE INDEX run_messages_by_run ON run_messages (run_id, id);

CREATE TABLE run_actions (
    id          INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    action_type TEXT NOT NULL,
    target      TEXT NOT NULL DEFAULT '',
    success     INTEGER NOT NULL CHECK (success IN (0, 1)),
    duration_ms INTEGER NOT NULL CHECK (duration_ms >= 0),
    error       TEXT,
    ts_ms       INTEGER NOT NULL
);
CREATE INDEX run_actions_by_run ON run_actions (run_id, id);
