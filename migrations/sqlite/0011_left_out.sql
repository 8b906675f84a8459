-- Who the participant list left out and why (a bot, a deactivated account, not found),
-- one `user_id reason` pair per line, so the survey confirmation can say it before
-- anyone is messaged.
ALTER TABLE reviews ADD COLUMN left_out TEXT NOT NULL DEFAULT '';
