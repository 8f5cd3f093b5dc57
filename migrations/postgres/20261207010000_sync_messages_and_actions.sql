-- Conversation messages and browser actions sync like metric points: a run's entries come only from its origin host,
-- in id order, one push at a time, so the server remembers per run and log the highest origin id it holds and a
-- replayed or resumed page inserts only the entries above it.
CREATE TABLE sync_marks (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind   TEXT NOT NULL CHECK (kind IN ('messages', 'actions')),
    high   BIGINT NOT NULL,
    PRIMARY KEY (run_id, kind)
);
