-- `/debrief learning-review every=quarter`: the one channel of a workspace that gets its
-- learning review on each quarter's first weekday. DEBRIEF_LEARNING_REVIEW_CHANNEL still
-- names one for the workspace with the most incidents, when that workspace set none here.
CREATE TABLE learning_review_schedules (
    team_id    TEXT   NOT NULL PRIMARY KEY,
    channel_id TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- Claims of the automatic post become one per workspace and quarter (they were one per
-- quarter, for a single workspace).
CREATE TABLE learning_review_claims (
    team_id    TEXT   NOT NULL,
    quarter    TEXT   NOT NULL,
    claimed_by TEXT   NOT NULL,
    claimed_at BIGINT NOT NULL,
    posted_at  BIGINT,
    PRIMARY KEY (team_id, quarter)
);

-- Posts already made went to the workspace with the most incidents: keep them claimed
-- for it, so the upgrade does not post a quarter twice.
INSERT INTO learning_review_claims (team_id, quarter, claimed_by, claimed_at, posted_at)
SELECT busiest.team_id, posts.quarter, posts.claimed_by, posts.claimed_at, posts.posted_at
FROM learning_review_posts posts,
     (SELECT team_id FROM incidents GROUP BY team_id ORDER BY COUNT(*) DESC, team_id LIMIT 1) busiest;

DROP TABLE learning_review_posts;
ALTER TABLE learning_review_claims RENAME TO learning_review_posts;
