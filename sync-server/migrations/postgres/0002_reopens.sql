-- Citizens' requests to reopen a resolved report: the id makes a re-sent
-- request harmless, the reason is what the department reads.
CREATE TABLE report_reopens (
    id        UUID PRIMARY KEY,
    report_id UUID NOT NULL REFERENCES reports (id),
    device_id UUID NOT NULL,
    reason    TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_reopens_report ON report_reopens (report_id);
