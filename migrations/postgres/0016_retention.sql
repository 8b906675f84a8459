-- When retention (DEBRIEF_RETENTION_DAYS) or a deletion request removed a review's
-- anonymous content and per-person rows. The review, its incident, counterfactuals and
-- action items stay: the learning review needs them, and they hold no anonymous content.
ALTER TABLE reviews ADD COLUMN erased_at BIGINT;

-- Why gathering the review's participants failed for good (a private channel without the
-- bot, a revoked token), so `/debrief status` can say it and `/debrief review` retries.
ALTER TABLE reviews ADD COLUMN participants_error TEXT;
