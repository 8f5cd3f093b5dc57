-- Artifacts of agent runs (screenshots, DOM snapshots): zstd-compressed, content-addressed by the hex SHA-256 of the
-- raw bytes, stored once however many runs or steps refer to them. run_artifacts links them to a run's steps.

CREATE TABLE artifacts (
    hash          TEXT PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
    kind          TEXT NOT NULL CHECK (kind <> ''),
    mime          TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL CHECK (size_bytes >= 0),   -- raw (uncompressed) size
    compressed    BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE run_artifacts (
    id            INTEGER PRIMARY KEY,
    run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step          INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind <> ''),
    hash          TEXT NOT NULL REFERENCES artifacts(hash),
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX run_artifacts_by_run ON run_artifacts (run_id, step, id);
CREATE INDEX run_artifacts_by_hash ON run_artifacts (hash);
