-- The team server's audit log (as migrations/sqlite/20261208000000): one row per change a signed-in team user made
-- through an operation.
CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at_ms     BIGINT NOT NULL,
    user_name TEXT NOT NULL,
    role      TEXT NOT NULL,
    operation TEXT NOT NULL,
    subject   TEXT NOT NULL DEFAULT '',
    outcome   TEXT NOT NULL
);
CREATE INDEX audit_log_by_user ON audit_log (user_name, id);
