-- One incident per channel; running /debrief incident again updates it.
CREATE TABLE incidents (
    id             INTEGER PRIMARY KEY,
    team_id        TEXT    NOT NULL,
    channel_id     TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    severity       TEXT,
    -- Normalised tags, comma-separated.
    services       TEXT    NOT NULL DEFAULT '',
    failure_mode   TEXT,
    vendor         TEXT,
    deploy_related BOOLEAN,
    started_at     BIGINT,
    resolved_at    BIGINT,
    -- The earlier incident in this workspace with the same failure mode, if any.
    recurrence_of  BIGINT  REFERENCES incidents (id),
    created_by     TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    UNIQUE (team_id, channel_id)
);
CREATE INDEX incidents_by_failure_mode ON incidents (team_id, failure_mode);

-- The learning review of one incident.
CREATE TABLE reviews (
    id                 INTEGER PRIMARY KEY,
    incident_id        BIGINT  NOT NULL UNIQUE REFERENCES incidents (id),
    team_id            TEXT    NOT NULL,
    channel_id         TEXT    NOT NULL,
    facilitator_id     TEXT    NOT NULL,
    meeting_at         BIGINT,
    -- Absolute survey deadline once it is known (a meeting is set, or the survey was sent).
    deadline_at        BIGINT,
    -- deadline= as given: before the meeting, or after sending when there is no meeting.
    deadline_offset    BIGINT,
    -- k: answers are shown to the facilitator only once at least this many people answered.
    min_responses      BIGINT  NOT NULL DEFAULT 3,
    reminders          BIGINT  NOT NULL DEFAULT 1,
    -- draft (participants being gathered or ready), open (survey sent), closed.
    survey_status      TEXT    NOT NULL DEFAULT 'draft',
    participants_ready BOOLEAN NOT NULL DEFAULT FALSE,
    survey_sent_at     BIGINT,
    survey_closed_at   BIGINT,
    created_at         BIGINT  NOT NULL,
    updated_at         BIGINT  NOT NULL
);

-- Who takes part. Holds no answer and nothing derived from one: the link to answers
-- is a keyed hash computed on the fly, never stored here.
CREATE TABLE participants (
    review_id          BIGINT  NOT NULL REFERENCES reviews (id),
    user_id            TEXT    NOT NULL,
    display_name       TEXT    NOT NULL,
    answered           BOOLEAN NOT NULL DEFAULT FALSE,
    wants_reminders    BOOLEAN NOT NULL DEFAULT TRUE,
    dm_channel         TEXT,
    invite_ts          TEXT,
    -- pending, sent, unreachable
    invite_state       TEXT    NOT NULL DEFAULT 'pending',
    unreachable_reason TEXT,
    PRIMARY KEY (review_id, user_id)
);

-- Survey answers. No user id, no timestamp, and a random primary key: a copy of the
-- database cannot tell who wrote a row or in which order rows arrived. respondent_key is
-- HMAC(pseudonym key, review and user); the key never enters the database.
CREATE TABLE survey_responses (
    id             TEXT   NOT NULL PRIMARY KEY,
    review_id      BIGINT NOT NULL REFERENCES reviews (id),
    respondent_key TEXT   NOT NULL,
    pseudonym      TEXT   NOT NULL,
    -- JSON object: question id → answer text.
    answers        TEXT   NOT NULL,
    UNIQUE (review_id, respondent_key),
    UNIQUE (review_id, pseudonym)
) WITHOUT ROWID;

-- Slack users seen, so that participant filtering does not ask users.info every time.
CREATE TABLE slack_users (
    user_id    TEXT    NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    is_bot     BOOLEAN NOT NULL,
    deleted    BOOLEAN NOT NULL,
    fetched_at BIGINT  NOT NULL
);

-- Small service-wide facts, such as the fingerprint of the pseudonym key in use.
CREATE TABLE settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
