-- Who chose the workspace's channel for the quarterly learning review: only they or a
-- workspace admin may move or stop it, and they are told by DM when a quarter's post
-- fails (debrief was removed from the channel, or it was archived). A role, like a
-- review's facilitator: `forget-user` keeps it. Rows from before are NULL: anyone may
-- change those, and whoever does becomes the chooser.
ALTER TABLE learning_review_schedules ADD COLUMN set_by TEXT;
