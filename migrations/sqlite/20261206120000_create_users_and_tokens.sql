-- Team server users and their API tokens. A token is stored only as the hex SHA-256 of its text, which is shown
-- once, when the token is created. Roles: viewer (reads), editor (reads and writes), admin (also users and tokens).
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY NOT NULL,
    user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    label           TEXT NOT NULL DEFAULT '',
    token_sha256    TEXT NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
    created_at_ms   INTEGER NOT NULL,
    last_used_at_ms INTEGER,
    revoked_at_ms   INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
