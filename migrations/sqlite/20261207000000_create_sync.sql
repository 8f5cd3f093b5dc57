-- Sync with a team server. `sync_state` is the one connection (server URL, the token's env:/keychain: reference,
-- this host's name, how far each direction has got, the last success and error). `sync_outbox` lists records changed
-- here since they were last acknowledged by the server; triggers fill it only while a server is connected and not
-- while pulled records are being applied (`applying`), so nothing pulled is pushed back. A run's params and tags
-- travel with the run; a deleted run or tag leaves a tombstone row. Metric points are not listed: they are pushed
-- from a cursor over their ids (`points_acked`).
CREATE TABLE sync_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    server_url      TEXT NOT NULL,
    token_ref       TEXT NOT NULL,
    host            TEXT NOT NULL,
    applying        INTEGER NOT NULL DEFAULT 0 CHECK (applying IN (0, 1)),
    points_acked    INTEGER NOT NULL DEFAULT 0,
    feed_pulled     INTEGER NOT NULL DEFAULT 0,
    points_pulled   INTEGER NOT NULL DEFAULT 0,
    connected_at_ms INTEGER NOT NULL,
    last_push_ms    INTEGER,
    last_pull_ms    INTEGER,
    last_error      TEXT,
    last_error_ms   INTEGER
);

CREATE TABLE sync_outbox (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl           TEXT NOT NULL CHECK (tbl IN ('experiments', 'runs', 'run_tag', 'models', 'model_versions',
                                              'deployments')),
    row_key       TEXT NOT NULL,
    deleted_at_ms INTEGER
);

-- A locally registered version's number is pending until the server confirms it (`synced_at_ms`); only a pending
-- number may change (the server assigns numbers in the order versions reach it). Everything else stays immutable.
ALTER TABLE model_versions ADD COLUMN synced_at_ms INTEGER;
DROP TRIGGER model_versions_are_immutable;
CREATE TRIGGER model_versions_are_immutable
BEFORE UPDATE OF id, model_id, provider, model, base_url, temperature, max_tokens, top_p,
                 system_prompt, extra_params, description, changelog, parent_version_id, config_diff,
                 created_by, created_at_ms
ON model_versions
BEGIN
    SELECT RAISE(ABORT, 'model versions are immutable');
END;
CREATE TRIGGER model_versions_number_once_synced
BEFORE UPDATE OF version ON model_versions
WHEN OLD.synced_at_ms IS NOT NULL OR OLD.origin <> 'local'
BEGIN
    SELECT RAISE(ABORT, 'a synced model version keeps its number');
END;

CREATE TRIGGER sync_experiments_insert AFTER INSERT ON experiments
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('experiments', NEW.id); END;
CREATE TRIGGER sync_experiments_update AFTER UPDATE ON experiments
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('experiments', NEW.id); END;

CREATE TRIGGER sync_runs_insert AFTER INSERT ON runs
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('runs', NEW.id); END;
CREATE TRIGGER sync_runs_update AFTER UPDATE ON runs
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('runs', NEW.id); END;
CREATE TRIGGER sync_runs_delete AFTER DELETE ON runs
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN
    INSERT INTO sync_outbox (tbl, row_key, deleted_at_ms)
    VALUES ('runs', OLD.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
CREATE TRIGGER sync_params_insert AFTER INSERT ON run_params
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('runs', NEW.run_id); END;
CREATE TRIGGER sync_tags_insert AFTER INSERT ON run_tags
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('runs', NEW.run_id); END;
CREATE TRIGGER sync_tags_update AFTER UPDATE ON run_tags
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('runs', NEW.run_id); END;
-- A tag deleted with its run needs no tombstone of its own (the run's covers it).
CREATE TRIGGER sync_tags_delete AFTER DELETE ON run_tags
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0) AND EXISTS (SELECT 1 FROM runs WHERE id = OLD.run_id)
BEGIN
    INSERT INTO sync_outbox (tbl, row_key, deleted_at_ms)
    VALUES ('run_tag', OLD.run_id || char(9) || OLD.key, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

CREATE TRIGGER sync_models_insert AFTER INSERT ON models
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('models', NEW.id); END;
CREATE TRIGGER sync_models_update AFTER UPDATE ON models
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('models', NEW.id); END;
CREATE TRIGGER sync_versions_insert AFTER INSERT ON model_versions
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('model_versions', NEW.id); END;
CREATE TRIGGER sync_versions_archive AFTER UPDATE OF archived_at_ms ON model_versions
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('model_versions', NEW.id); END;
CREATE TRIGGER sync_deployments_insert AFTER INSERT ON deployments
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('deployments', NEW.id); END;
