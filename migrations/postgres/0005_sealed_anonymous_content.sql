-- Anonymous content is sealed at rest: XChaCha20-Poly1305 under a key derived from the
-- pseudonym key, which never enters the database. A copy of the files (main, WAL, dead
-- pages, backups) then shows neither what anyone wrote nor which text arrived when.
-- The plaintext tables are renamed; the service, which holds the key, seals their rows
-- into the new tables and drops them at start-up.
ALTER TABLE survey_responses RENAME TO legacy_survey_responses;
ALTER TABLE observations RENAME TO legacy_observations;
-- The primary key index keeps its name through a rename; free it for the new table.
ALTER INDEX observations_pkey RENAME TO legacy_observations_pkey;

-- One respondent's answers. `sealed` holds the pseudonym and the answers; `shown` is the
-- sealed version the facilitator may see: after the first reveal, new and edited answers
-- are shown only in batches of at least k respondents, so that no one change stands out.
CREATE TABLE responses (
    id             TEXT   NOT NULL PRIMARY KEY,
    review_id      BIGINT NOT NULL REFERENCES reviews (id),
    -- HMAC(pseudonym key, review, user): finds a person's own row, only with the key.
    respondent_key TEXT   NOT NULL,
    sealed         BYTEA   NOT NULL,
    shown          BYTEA,
    UNIQUE (review_id, respondent_key)
);

CREATE TABLE observations (
    id        TEXT    NOT NULL PRIMARY KEY,
    review_id BIGINT  NOT NULL REFERENCES reviews (id),
    sealed    BYTEA    NOT NULL,
    released  BOOLEAN NOT NULL DEFAULT FALSE
);

-- Whether anyone answered is worked out with the key (is there a row under their
-- respondent key?), never stored next to their name: a flag set in the same
-- transaction as an answer would pair the two in the write-ahead log.
ALTER TABLE participants DROP COLUMN answered;

-- Set when the facilitator first saw the answers (by `/debrief answers` or the agenda).
ALTER TABLE reviews ADD COLUMN answers_revealed BOOLEAN NOT NULL DEFAULT FALSE;
