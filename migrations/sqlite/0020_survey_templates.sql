-- A team's own survey questions. Saving a template adds a row, a new version: a review
-- points at the version its survey asked, so editing a template later changes neither
-- a survey already sent nor how its answers are shown.
CREATE TABLE survey_templates (
    id          INTEGER PRIMARY KEY,
    team_id     TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    -- The questions in order, as JSON: [{"id", "prompt", "kind": {"type", …}}].
    questions   TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX survey_templates_by_name ON survey_templates (team_id, name, id);

-- The template version a review's survey asks; NULL: the default questions.
ALTER TABLE reviews ADD COLUMN template_id BIGINT REFERENCES survey_templates (id);
