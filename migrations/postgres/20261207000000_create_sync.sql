-- The team server's side of sync. `sync_feed` lists every record a push changed, in the order the server applied
-- them (pushes are applied one at a time under an advisory lock, so the order is the commit order and a puller's
-- cursor never skips a row); `sync_tombstones` remembers deletions so they reach every host and a stale push cannot
-- bring a deleted record back. A metric point carries the id it had on its run's origin host (`origin_seq`): a
-- run's points are pushed only from that host, in that order, and pushes apply one at a time, so a series only has
-- to remember the highest id it holds (`origin_seq_high`): a replayed or resumed page inserts only the points above
-- it, and none twice. A model version's number is confirmed by the server (`synced_at_ms`). Each feed entry names
-- the team user whose push made the change.
CREATE TABLE sync_feed (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tbl     TEXT NOT NULL,
    row_key TEXT NOT NULL,
    by_user TEXT NOT NULL
);

CREATE TABLE sync_tombstones (
    tbl           TEXT NOT NULL,
    row_key       TEXT NOT NULL,
    deleted_at_ms BIGINT NOT NULL,
    origin        TEXT NOT NULL,
    PRIMARY KEY (tbl, row_key)
);

ALTER TABLE metric_values ADD COLUMN origin_seq BIGINT;
ALTER TABLE metric_series ADD COLUMN origin_seq_high BIGINT NOT NULL DEFAULT 0;

ALTER TABLE model_versions ADD COLUMN synced_at_ms BIGINT;

-- Points arrive by the page (tens of thousands a second); a foreign key would check each row against its series
-- (more than half the cost of a page). The server writes points only into the series it has just upserted in the
-- same transaction, so the check is replaced by the code that writes them; deleting a series (with its run) still
-- deletes its points, by trigger.
ALTER TABLE metric_values DROP CONSTRAINT metric_values_series_id_fkey;
CREATE FUNCTION bam_delete_series_points() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM metric_values WHERE series_id = OLD.id;
    RETURN OLD;
END;
$$;
CREATE TRIGGER metric_series_take_their_points
AFTER DELETE ON metric_series FOR EACH ROW
EXECUTE FUNCTION bam_delete_series_points();
