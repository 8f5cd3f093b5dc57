-- Metric points keyed by an integer series (one per run and key) instead of repeating the 36-byte run id and the key
-- text in every row and in its index: a point row is now ~20 bytes and SQLite inserts about twice as many per second
-- (measured by `bench`, README "Performance"). The writer resolves a (run, key) to its series once and caches it.
-- AUTOINCREMENT: a series id is never reused, so a writer's cached id of a deleted run can never point at another
-- run's series (the insert fails on the foreign key instead and those points are reported lost).
CREATE TABLE metric_series (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    UNIQUE (run_id, key)
);

CREATE TABLE metric_values (
    id        INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES metric_series(id) ON DELETE CASCADE,
    step      INTEGER NOT NULL,
    ts_ms     INTEGER NOT NULL,
    value     REAL NOT NULL
);

INSERT INTO metric_series (run_id, key)
    SELECT run_id, key FROM metric_points GROUP BY run_id, key ORDER BY MIN(id);
INSERT INTO metric_values (id, series_id, step, ts_ms, value)
    SELECT p.id, s.id, p.step, p.ts_ms, p.value
    FROM metric_points p JOIN metric_series s ON s.run_id = p.run_id AND s.key = p.key
    ORDER BY p.id;
DROP TABLE metric_points;
CREATE INDEX metric_values_by_series_step ON metric_values (series_id, step);

-- The points as rows with their run and key, for reading with SQL (sqlite3, exports, tests).
CREATE VIEW metric_points (id, run_id, key, value, step, ts_ms) AS
    SELECT v.id, s.run_id, s.key, v.value, v.step, v.ts_ms
    FROM metric_values v JOIN metric_series s ON s.id = v.series_id;
