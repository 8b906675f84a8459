-- Metrics that must survive restarts and count each incident once across replicas.

-- One row per incident, written the first time the metrics exporter counts it. The labels
-- are fixed here (failure mode already folded into `other` past the cap), so a later edit
-- of the incident cannot make `incident_opened_total` go down. Append-only.
CREATE TABLE incident_ledger (
    incident_id   BIGINT  PRIMARY KEY REFERENCES incidents (id),
    failure_mode  TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    is_recurrence BOOLEAN NOT NULL,
    -- False until one scrape has shown the row's label set, so that a new series appears
    -- at 0 before it increases (Prometheus's `increase()` needs a sample before the jump).
    counted       BOOLEAN NOT NULL DEFAULT FALSE,
    ledgered_at   BIGINT  NOT NULL
);

-- Which replica exports the database-derived series: one at a time, so that `sum()`
-- across replicas counts each incident once.
CREATE TABLE metrics_lease (
    name       TEXT   PRIMARY KEY,
    holder     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);
