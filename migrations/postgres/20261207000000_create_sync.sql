-- The team server's side of sync. `sync_feed` lists every record a push changed, in the order the server applied
-- them (pushes are applied one at a time under an advisory lock, so the order is the commit order and a puller's
-- cursor never skips a row); `sync_tombstones` remembers deletions so they reach every host and a stale push cannot
-- bring a deleted record back. A metric point carries the id it had on its run's origin host (`origin_seq`): a
-- run's points are pushed only from that host, so (series, origin_seq) identifies a point and a replayed push
-- inserts nothing twice. A model version's number is confirmed by the server (`synced_at_ms`). Each feed entry names the team user whose push made the change.
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
CREATE UNIQUE INDEX metric_values_once ON metric_values (series_id, origin_seq);

ALTER TABLE model_versions ADD COLUMN synced_at_ms BIGINT;
