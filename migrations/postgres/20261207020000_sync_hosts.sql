-- Each host name belongs to the team user whose push used it first. A host is sent other hosts' metric points,
-- messages and actions by name, so two machines pushing under one name would each miss the other's; a push naming
-- a host another user's machine already uses is refused instead.
CREATE TABLE sync_hosts (
    host          TEXT PRIMARY KEY,
    team_user     TEXT NOT NULL,
    first_seen_ms BIGINT NOT NULL
);
