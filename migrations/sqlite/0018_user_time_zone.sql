-- Each person's time zone from Slack's profile (an IANA name such as Europe/Berlin), so
-- that "meeting=tomorrow 15:00" means 15:00 on the clock of whoever typed it.
ALTER TABLE slack_users ADD COLUMN tz TEXT;
