-- Where a Comune's department receives its published reports: a signed
-- webhook or an Open311 server. The secret signs webhooks (HMAC) or is the
-- Open311 api_key; it is needed in clear to sign, so it is never printed.
CREATE TABLE delivery_targets (
    id           BLOB PRIMARY KEY,
    comune       TEXT NOT NULL,
    department   TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('webhook', 'open311')),
    url          TEXT NOT NULL,
    secret       TEXT NOT NULL,
    service_code TEXT,
    enabled      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    UNIQUE (comune, department),
    FOREIGN KEY (comune, department) REFERENCES departments (comune, code)
);

-- The outbox: a row per report and back-office, written in the transaction
-- that publishes the report, so no publication is lost between the commit
-- and the delivery. The id is the delivery id receivers deduplicate on: it
-- stays the same across retries. A lease (leased_until) marks a row taken by
-- a server; a crashed server's rows come back when it runs out.
-- Rows are never deleted: delivered_at or failed_at (attempts exhausted)
-- close them and last_error tells why the last attempt failed.
CREATE TABLE deliveries (
    id              BLOB PRIMARY KEY,
    report_id       BLOB NOT NULL REFERENCES reports (id),
    target_id       BLOB NOT NULL REFERENCES delivery_targets (id),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    leased_until    INTEGER,
    delivered_at    INTEGER,
    failed_at       INTEGER,
    last_error      TEXT,
    remote_id       TEXT,      -- the back-office's own id (Open311 service_request_id), when it answers one
    created_at      INTEGER NOT NULL,
    UNIQUE (report_id, target_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX deliveries_target ON deliveries (target_id);
