-- The event that set the incident off (a deploy, a purge, a traffic spike), kept apart
-- from the conditions that made the system brittle enough for it to matter.
ALTER TABLE incidents ADD COLUMN trigger_event TEXT;
