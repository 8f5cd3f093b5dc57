-- Evaluations and their task results sync too: the outbox may now name an evaluation (a new task result queues its
-- evaluation, which travels with its results). SQLite cannot change a CHECK in place, so the outbox is rebuilt with
-- the wider list and keeps its rows and positions. The triggers that fill it name it in their bodies and find the
-- new table under the old name (legacy renaming leaves their text alone instead of checking it mid-swap).
CREATE TABLE sync_outbox_wide (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl           TEXT NOT NULL CHECK (tbl IN ('experiments', 'runs', 'run_tag', 'models', 'model_versions',
                                              'deployments', 'evaluations')),
    row_key       TEXT NOT NULL,
    deleted_at_ms INTEGER
);
INSERT INTO sync_outbox_wide (seq, tbl, row_key, deleted_at_ms) SELECT seq, tbl, row_key, deleted_at_ms FROM sync_outbox;
DROP TABLE sync_outbox;
PRAGMA legacy_alter_table = ON;
ALTER TABLE sync_outbox_wide RENAME TO sync_outbox;
PRAGMA legacy_alter_table = OFF;

CREATE TRIGGER sync_evaluations_insert AFTER INSERT ON evaluations
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('evaluations', NEW.id); END;
CREATE TRIGGER sync_evaluations_update AFTER UPDATE ON evaluations
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('evaluations', NEW.id); END;
CREATE TRIGGER sync_task_results_insert AFTER INSERT ON task_results
WHEN EXISTS (SELECT 1 FROM sync_state WHERE applying = 0)
BEGIN INSERT INTO sync_outbox (tbl, row_key) VALUES ('evaluations', NEW.evaluation_id); END;
