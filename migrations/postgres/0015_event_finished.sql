-- An event id recorded before its work and marked finished after it. A redelivery that
-- finds the id unfinished, and not being handled by this process, belongs to a process
-- that died mid-way (kill -9, OOM): it is handled again instead of being dropped as a
-- duplicate. Rows from before this migration were finished.
ALTER TABLE processed_events ADD COLUMN finished BOOLEAN NOT NULL DEFAULT TRUE;
