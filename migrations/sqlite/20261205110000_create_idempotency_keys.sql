-- Idempotency records, each written in the same transaction as the write it records, so "recorded" and "stored"
-- can never disagree.
--
-- ingest_batches: one row per committed batch (`run log-batch`, `runs/log_batch`, `runs/log_batch_text`). The batch
-- id is the caller's `--batch-id` or "sha256:<hex>" of the default run and the batch text; `content_sha256` is that
-- same digest, so a known id arriving with other content is refused. `report` is the JSON of what the batch wrote,
-- returned again (with "already stored") when the batch is sent again.
CREATE TABLE ingest_batches (
    batch_id       TEXT PRIMARY KEY,
    content_sha256 TEXT NOT NULL,
    stored_at_ms   INTEGER NOT NULL,
    report         TEXT NOT NULL
);

-- http_idempotency: the first successful response of a mutating HTTP request that carried an `Idempotency-Key`
-- header, keyed by that key and the operation; `body_sha256` is the digest of the request's JSON body, so a replay
-- with another body is refused. Written after the operation committed (see docs/reference/http-api.md).
CREATE TABLE http_idempotency (
    idempotency_key TEXT NOT NULL,
    operation       TEXT NOT NULL,
    body_sha256     TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (idempotency_key, operation)
);
