-- The psychological-safety pulse: one anonymous 1-5 question by DM, per quarter.
CREATE TABLE pulses (
    id            INTEGER PRIMARY KEY,
    team_id       TEXT    NOT NULL,
    -- The team's quarter the pulse belongs to, e.g. 2026-Q4.
    quarter       TEXT    NOT NULL,
    -- Where its people were gathered from; NULL when they were named.
    channel_id    TEXT,
    started_by    TEXT    NOT NULL,
    -- gathering (people being looked up), open, closed.
    status        TEXT    NOT NULL DEFAULT 'gathering',
    -- k: results are shown only once at least this many people other than the
    -- person who started it have answered.
    min_responses BIGINT  NOT NULL DEFAULT 3,
    invited       BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL,
    deadline_at   BIGINT  NOT NULL,
    closed_at     BIGINT,
    -- Totals written at the close, so that the figures outlive the answers (retention):
    -- how many answered, how many count towards k, and the 1-5 counts ("0,1,0,2,1").
    answered      BIGINT,
    counted       BIGINT,
    distribution  TEXT,
    -- When retention removed its answers and who was asked.
    erased_at     BIGINT,
    -- Set for a scheduled pulse ("channel:quarter"), so several workers start it once.
    schedule_key  TEXT    UNIQUE
);
CREATE INDEX pulses_by_quarter ON pulses (team_id, quarter);

-- Who was asked. Holds no answer and nothing derived from one: who answered is worked
-- out with the key, never stored here.
CREATE TABLE pulse_invitees (
    pulse_id        BIGINT  NOT NULL REFERENCES pulses (id),
    user_id         TEXT    NOT NULL,
    dm_channel      TEXT,
    invite_ts       TEXT,
    wants_reminders BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (pulse_id, user_id)
);

-- Answers. No user id, no time and a random key, like survey responses: a copy of the
-- database tells neither who answered nor in which order. respondent_key is
-- HMAC(pseudonym key, pulse and user); `sealed` holds the score and comment.
CREATE TABLE pulse_responses (
    id             TEXT   NOT NULL PRIMARY KEY,
    pulse_id       BIGINT NOT NULL REFERENCES pulses (id),
    respondent_key TEXT   NOT NULL,
    sealed         BLOB   NOT NULL,
    UNIQUE (pulse_id, respondent_key)
) WITHOUT ROWID;

-- People who pressed "Don't send me pulses".
CREATE TABLE pulse_opt_outs (
    team_id TEXT   NOT NULL,
    user_id TEXT   NOT NULL,
    at      BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- `/debrief pulse every=quarter channel=#…`: one pulse in each quarter's second week.
CREATE TABLE pulse_schedules (
    team_id    TEXT   NOT NULL,
    channel_id TEXT   NOT NULL,
    started_by TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, channel_id)
);
