-- Workspaces that installed debrief through OAuth (Slack's "Add to Slack"), one row each.
-- The bot token is sealed with a key derived from the pseudonym key and the team id, so
-- a copy of the database holds no usable token; a single-workspace install configured
-- with SLACK_BOT_TOKEN alone never writes here.
CREATE TABLE workspaces (
    team_id       TEXT    PRIMARY KEY,
    team_name     TEXT    NOT NULL,
    bot_user_id   TEXT    NOT NULL,
    -- NULL once the workspace uninstalled debrief or revoked its token.
    sealed_token  BLOB,
    installed_by  TEXT,
    installed_at  BIGINT  NOT NULL,
    uninstalled_at BIGINT
);

-- The workspace a job acts for, so that it calls Slack with that workspace's token and an
-- uninstall stops that workspace's jobs only. NULL: the single workspace of SLACK_BOT_TOKEN.
ALTER TABLE jobs ADD COLUMN team_id TEXT;
