-- Reports a moderator sent to another Comune, with the reason the receiving
-- Comune reads; the report itself carries its new Comune.
CREATE TABLE report_transfers (
    id          BLOB PRIMARY KEY,
    report_id   BLOB NOT NULL REFERENCES reports (id),
    from_comune TEXT NOT NULL,
    to_comune   TEXT NOT NULL,
    reason      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX report_transfers_report ON report_transfers (report_id);
