-- Reports a moderator asked a field inspector to check on site: one
-- inspector per report at a time (asking another replaces the first).
CREATE TABLE inspection_assignments (
    report_id    UUID PRIMARY KEY REFERENCES reports (id),
    inspector_id UUID NOT NULL REFERENCES staff_users (id),
    instructions TEXT,
    assigned_by  TEXT NOT NULL,
    assigned_at  TIMESTAMPTZ NOT NULL,
    -- Set by the inspector's visit: the assignment leaves their list.
    done_at      TIMESTAMPTZ
);
CREATE INDEX inspection_assignments_inspector ON inspection_assignments (inspector_id, done_at);

-- Inspectors' visits as their phones recorded them (ids from the phone, so a
-- re-send is the same visit), with the checked distance.
CREATE TABLE inspections (
    id             UUID PRIMARY KEY,
    report_id      UUID NOT NULL REFERENCES reports (id),
    inspector_id   UUID NOT NULL REFERENCES staff_users (id),
    outcome        TEXT NOT NULL,
    lat            DOUBLE PRECISION NOT NULL,
    lon            DOUBLE PRECISION NOT NULL,
    accuracy_m     DOUBLE PRECISION NOT NULL,
    distance_m     DOUBLE PRECISION NOT NULL,
    fix_at         TIMESTAMPTZ NOT NULL,
    photo          TEXT,
    photo_taken_at TIMESTAMPTZ,
    note           TEXT,
    inspected_at   TIMESTAMPTZ NOT NULL,
    received_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX inspections_report ON inspections (report_id, inspected_at);
