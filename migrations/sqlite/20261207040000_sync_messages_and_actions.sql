-- Conversation messages and browser actions sync too, each by its own id cursor each way (like metric points); and,
-- as for points, deleting a run lowers the push cursors to the newest entries left of other runs, so entries that
-- take the freed ids are still pushed.
ALTER TABLE sync_state ADD COLUMN messages_acked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN actions_acked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN messages_pulled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN actions_pulled INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER sync_log_cursors_after_run_delete AFTER DELETE ON runs
WHEN EXISTS (SELECT 1 FROM sync_state)
BEGIN
    UPDATE sync_state SET
        messages_acked = MIN(messages_acked, COALESCE((
            SELECT m.id FROM run_messages m WHERE m.run_id <> OLD.id ORDER BY m.id DESC LIMIT 1), 0)),
        actions_acked = MIN(actions_acked, COALESCE((
            SELECT a.id FROM run_actions a WHERE a.run_id <> OLD.id ORDER BY a.id DESC LIMIT 1), 0));
END;
