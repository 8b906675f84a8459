-- observations=live posts anonymous observations in the review's thread, in batches.
ALTER TABLE reviews ADD COLUMN observations_live BOOLEAN NOT NULL DEFAULT FALSE;
-- The parent message under which live observations are posted.
ALTER TABLE reviews ADD COLUMN observations_thread_ts TEXT;
-- When the current live release is due; a release job for any other time is stale, so
-- turning live off and on, or a retried release, never starts a second schedule.
ALTER TABLE reviews ADD COLUMN next_release_at BIGINT;

-- Anonymous observations. No author, no time, a random id: nothing here points at a person.
CREATE TABLE observations (
    id        TEXT    NOT NULL PRIMARY KEY,
    review_id BIGINT  NOT NULL REFERENCES reviews (id),
    body      TEXT    NOT NULL,
    released  BOOLEAN NOT NULL DEFAULT FALSE
);

-- Single-use tokens of "Record it as written" / "For <review>" buttons, so a double click
-- records an observation once. A random value, nothing else: it points at nobody.
CREATE TABLE observation_tokens (
    token TEXT NOT NULL PRIMARY KEY
);

-- Round-robin check-ins. The state machine's state is stored whole, with a version for
-- optimistic updates, so concurrent events (a reply and a timeout) never both apply.
CREATE TABLE checkins (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    review_id    BIGINT  NOT NULL REFERENCES reviews (id),
    channel_id   TEXT    NOT NULL,
    -- The parent message; the round runs in its thread.
    thread_ts    TEXT,
    seed         BIGINT  NOT NULL,
    state        TEXT    NOT NULL,
    version      BIGINT  NOT NULL DEFAULT 0,
    ended        BOOLEAN NOT NULL DEFAULT FALSE,
    started_at   BIGINT  NOT NULL,
    ended_at     BIGINT
);
-- One running round per review, even when two facilitators' commands race.
CREATE UNIQUE INDEX checkins_one_running ON checkins (review_id) WHERE ended = FALSE;
CREATE INDEX checkins_by_thread ON checkins (channel_id, thread_ts);

-- Who spoke, not what: message counts per person in the review's thread or channel
-- during the meeting, and whether they shared in a check-in.
CREATE TABLE participation (
    review_id      BIGINT  NOT NULL REFERENCES reviews (id),
    user_id        TEXT    NOT NULL,
    messages       BIGINT  NOT NULL DEFAULT 0,
    checkin_shared BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (review_id, user_id)
);
