-- Durable background work: every job survives a restart. A claim takes a lease
-- (locked_by, locked_until); a crashed worker's lease simply expires.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    -- Enqueueing the same logical work twice (a survey sent twice, a turn called twice)
    -- is a no-op when the caller gives a dedupe key.
    dedupe_key   TEXT    UNIQUE,
    run_at       BIGINT  NOT NULL,
    attempts     BIGINT  NOT NULL DEFAULT 0,
    locked_by    TEXT,
    locked_until BIGINT,
    done_at      BIGINT,
    failed_at    BIGINT,
    last_error   TEXT,
    created_at   BIGINT  NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE done_at IS NULL AND failed_at IS NULL;

-- Events API deliveries already handled, so that Slack's retries are acknowledged and ignored.
CREATE TABLE processed_events (
    event_id    TEXT   PRIMARY KEY,
    received_at BIGINT NOT NULL
);
