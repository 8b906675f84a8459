-- Organisational memory: action items with their history, the failure-mode vocabulary,
-- the service catalogue, completed postmortems, format trials, `learnings` lookups and the
-- quarterly learning review's posts. Imported history shares the tables of live data.

-- An incident backfilled by `debrief import incidents` has no Slack channel: its
-- channel_id is `import:<external id>`, which no Slack channel id can look like.
ALTER TABLE incidents ADD COLUMN external_id TEXT;
-- When the last deploy before the incident went out, when known.
ALTER TABLE incidents ADD COLUMN deployed_at BIGINT;
CREATE UNIQUE INDEX incidents_by_external_id ON incidents (team_id, external_id);
-- The learning review reads a workspace's incidents in one pass.
CREATE INDEX incidents_by_team ON incidents (team_id, id);

-- A completed postmortem: the facilitator marked it done after the meeting.
ALTER TABLE reviews ADD COLUMN done_at BIGINT;
ALTER TABLE reviews ADD COLUMN done_by TEXT;

-- The turn length a check-in ran with, for comparing review formats.
ALTER TABLE checkins ADD COLUMN turn_seconds BIGINT;
UPDATE checkins SET turn_seconds = (state::json ->> 'turn_seconds')::BIGINT;

-- Action items are accountable work: an owner, a status, and every change in the history.
CREATE TABLE action_items (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id           TEXT    NOT NULL,
    incident_id       BIGINT  REFERENCES incidents (id),
    -- The id a backfilled item had in the file it came from.
    external_id       TEXT,
    title             TEXT    NOT NULL,
    -- A Slack user id (`U…`), or a name as given in an imported file.
    owner_id          TEXT,
    -- fix, mitigation, detection, process, tech-debt
    kind              TEXT,
    -- Normalised tags, comma-separated; empty means "its incident's".
    services          TEXT    NOT NULL DEFAULT '',
    failure_mode      TEXT,
    -- YYYY-MM-DD, a day on the team's calendar.
    due_on            TEXT,
    url               TEXT,
    -- open, in_progress, done, deprioritized: the latest row of the history.
    status            TEXT    NOT NULL DEFAULT 'open',
    -- The title reads as an individual fix ("more training", "be careful").
    individual        BOOLEAN NOT NULL DEFAULT FALSE,
    -- The ranked counterfactual it was made from, which then stops being a proposal.
    counterfactual_id BIGINT  REFERENCES counterfactuals (id),
    -- The item's message (buttons), updated in place when its status changes.
    message_channel   TEXT,
    message_ts        TEXT,
    created_by        TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    updated_at        BIGINT  NOT NULL,
    UNIQUE (team_id, external_id)
);
CREATE INDEX action_items_by_team ON action_items (team_id, id);
CREATE INDEX action_items_by_owner ON action_items (owner_id, status);
CREATE INDEX action_items_by_incident ON action_items (incident_id);

-- Every change to an action item: when, who, to what, and why.
CREATE TABLE action_item_history (
    id      BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id BIGINT  NOT NULL REFERENCES action_items (id),
    at      BIGINT  NOT NULL,
    actor   TEXT    NOT NULL,
    -- The status after the change.
    status  TEXT    NOT NULL,
    -- created, status, edit, import, mode
    change  TEXT    NOT NULL,
    reason  TEXT
);
CREATE INDEX action_item_history_by_item ON action_item_history (item_id, at, id);
-- The learning review reads status changes only, in item order.
CREATE INDEX action_item_history_changes ON action_item_history (item_id, at, id)
    WHERE change IN ('status', 'import');

-- People who asked for no weekly digest of their open items.
CREATE TABLE digest_opt_outs (
    user_id TEXT   NOT NULL PRIMARY KEY,
    at      BIGINT NOT NULL
);

-- The service catalogue: which domain a service belongs to.
CREATE TABLE services (
    team_id    TEXT   NOT NULL,
    service    TEXT   NOT NULL,
    domain     TEXT   NOT NULL,
    owner_team TEXT,
    updated_by TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, service)
);

-- Failure-mode merges, kept so that a rewritten history says who rewrote it.
CREATE TABLE mode_merges (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id    TEXT   NOT NULL,
    from_mode  TEXT   NOT NULL,
    into_mode  TEXT   NOT NULL,
    merged_by  TEXT   NOT NULL,
    at         BIGINT NOT NULL,
    incidents  BIGINT NOT NULL,
    items      BIGINT NOT NULL
);

-- Named format trials: reviews before `starts_on` are compared with reviews after.
CREATE TABLE trials (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id    TEXT   NOT NULL,
    name       TEXT   NOT NULL,
    starts_on  TEXT   NOT NULL,
    created_by TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (team_id, name)
);

-- `/debrief learnings` lookups: a count per quarter, never who looked or for what.
CREATE TABLE learnings_lookups (
    team_id TEXT   NOT NULL,
    quarter TEXT   NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (team_id, quarter)
);

-- Automatic quarterly posts: one row per quarter, claimed before posting, so that a
-- second worker, replica or re-queued job finds it taken and posts nothing.
CREATE TABLE learning_review_posts (
    quarter    TEXT   NOT NULL PRIMARY KEY,
    claimed_by TEXT   NOT NULL,
    claimed_at BIGINT NOT NULL,
    posted_at  BIGINT
);
