-- The agenda is posted this long before the meeting (agenda_at= on /debrief review).
ALTER TABLE reviews ADD COLUMN agenda_before BIGINT NOT NULL DEFAULT 3600;
-- While one worker posts or updates a review's agenda, others wait (several workers and
-- replicas run jobs at once; two posts at the same time would leave two agendas).
ALTER TABLE reviews ADD COLUMN agenda_lease_until BIGINT;

-- Counterfactual leverage points: what would have had to be true.
CREATE TABLE counterfactuals (
    id         INTEGER PRIMARY KEY,
    review_id  BIGINT NOT NULL REFERENCES reviews (id),
    body       TEXT   NOT NULL,
    control    TEXT   NOT NULL,
    cost       TEXT   NOT NULL,
    reach      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- The messages that hold the facilitator's current agenda, one row per part, so that a
-- regenerated agenda replaces them (chat.update) instead of posting a second copy.
CREATE TABLE agenda_messages (
    review_id BIGINT NOT NULL REFERENCES reviews (id),
    part      BIGINT NOT NULL,
    channel   TEXT   NOT NULL,
    ts        TEXT   NOT NULL,
    PRIMARY KEY (review_id, part)
);
