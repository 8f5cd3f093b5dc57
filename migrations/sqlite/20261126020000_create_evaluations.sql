-- Evaluations (one model version over one suite, with repeats) and their per-attempt task results.
-- ids are UUIDv7 strings, times are UTC milliseconds. Tables that sync carry updated_at_ms and origin.

CREATE TABLE evaluations (
    id               TEXT PRIMARY KEY NOT NULL,
    model_version_id TEXT REFERENCES model_versions(id),   -- NULL for an ad-hoc agent (e.g. an unregistered baseline)
    suite            TEXT NOT NULL,                        -- suite id (`builtin`, or the id inside a user file)
    suite_hash       TEXT NOT NULL,                        -- SHA-256 of the suite file's text
    config           TEXT NOT NULL DEFAULT '{}',           -- JSON: repeats, filter, concurrency
    status           TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
    error            TEXT,                                 -- why a failed evaluation failed
    started_at_ms    INTEGER NOT NULL,
    ended_at_ms      INTEGER,
    updated_at_ms    INTEGER NOT NULL,
    origin           TEXT NOT NULL DEFAULT 'local'
);
CREATE INDEX evaluations_by_version ON evaluations (model_version_id, started_at_ms DESC);
CREATE INDEX evaluations_by_start ON evaluations (started_at_ms DESC);

CREATE TABLE task_results (
    id              TEXT PRIMARY KEY NOT NULL,
    evaluation_id   TEXT NOT NULL REFERENCES evaluations(id) ON DELETE CASCADE,
    task_id         TEXT NOT NULL,
    attempt         INTEGER NOT NULL CHECK (attempt >= 1),  -- 1-based repeat number
    run_id          TEXT REFERENCES runs(id) ON DELETE SET NULL,   -- the tracker run of this attempt
    category        TEXT NOT NULL,
    difficulty      TEXT NOT NULL,
    success         INTEGER NOT NULL CHECK (success IN (0, 1)),
    score           REAL NOT NULL CHECK (score >= 0 AND score <= 1 AND (success = 1 OR score < 1)),
    steps           INTEGER NOT NULL CHECK (steps >= 0),
    input_tokens    INTEGER NOT NULL DEFAULT 0 CHECK (input_tokens >= 0),
    output_tokens   INTEGER NOT NULL DEFAULT 0 CHECK (output_tokens >= 0),
    cost_usd        REAL,                                   -- NULL when the model has no price
    duration_ms     INTEGER NOT NULL CHECK (duration_ms >= 0),
    final_url       TEXT NOT NULL DEFAULT '',
    answer          TEXT,
    evidence        TEXT NOT NULL DEFAULT '[]',             -- JSON list of {check, passed, observed}
    error           TEXT,
    screenshot_hash TEXT,
    created_at_ms   INTEGER NOT NULL,
    updated_at_ms   INTEGER NOT NULL,
    origin          TEXT NOT NULL DEFAULT 'local',
    UNIQUE (evaluation_id, task_id, attempt)
);
CREATE INDEX task_results_by_run ON task_results (run_id);
