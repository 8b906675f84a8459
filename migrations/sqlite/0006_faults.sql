-- Messages that must reach Slack once: a key per message, written before the post and
-- completed with the message's ts after it. A retry that finds the key without a ts (the
-- process died, or Slack's answer was lost, between the two) looks for the message in
-- Slack by the marker in its first block instead of posting it again.
CREATE TABLE outbox (
    key        TEXT   NOT NULL PRIMARY KEY,
    channel    TEXT   NOT NULL,
    ts         TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_by_age ON outbox (created_at);
