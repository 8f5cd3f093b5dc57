-- A run's step artifacts (screenshots, DOM snapshots) sync too, by their own id cursor each way like messages and
-- actions; their blobs go only to a side that lacks them. Deleting a run lowers the push cursor as for the others.
ALTER TABLE sync_state ADD COLUMN artifacts_acked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN artifacts_pulled INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER sync_artifact_cursor_after_run_delete AFTER DELETE ON runs
WHEN EXISTS (SELECT 1 FROM sync_state)
BEGIN
    UPDATE sync_state SET
        artifacts_acked = MIN(artifacts_acked, COALESCE((
            SELECT a.id FROM run_artifacts a WHERE a.run_id <> OLD.id ORDER BY a.id DESC LIMIT 1), 0));
END;
