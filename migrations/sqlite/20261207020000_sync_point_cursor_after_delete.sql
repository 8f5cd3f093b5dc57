-- SQLite gives a new metric point the highest id in the table plus one, so deleting the run that holds the newest
-- points would let later points take ids at or below the push cursor, and they would never be pushed. Deleting a run
-- therefore lowers the cursor to the newest point left of other runs: everything at or below it was pushed, and every
-- later point gets a higher id.
CREATE TRIGGER sync_points_cursor_after_run_delete AFTER DELETE ON runs
WHEN EXISTS (SELECT 1 FROM sync_state)
BEGIN
    UPDATE sync_state SET points_acked = MIN(points_acked, COALESCE((
        SELECT v.id FROM metric_values v
        WHERE v.series_id NOT IN (SELECT s.id FROM metric_series s WHERE s.run_id = OLD.id)
        ORDER BY v.id DESC LIMIT 1), 0));
END;
