-- Reports a moderator asked a field inspector to check on site: one
-- inspector per report at a time (asking another replaces the first).
CREATE TABLE inspection_assignments (
    report_id    BLOB PRIMARY KEY REFERENCES reports (id),
    inspector_id BLOB NOT NULL REFERENCES staff_users (id),
    instructions TEXT,
    assigned_by  TEXT NOT NULL,
    assigned_at  INTEGER NOT NULL,
    -- Set by the inspector's visit: the assignment leaves their list.
    done_at      INTEGER
);
CREATE INDEX inspection_assignments_inspector ON inspection_assignments (inspector_id, done_at);

-- Inspectors' visits as their phones recorded them (ids from the phone, so a
-- re-send is the same visit), with the checked distance.
CREATE TABLE inspections (
    id             BLOB PRIMARY KEY,
    report_id      BLOB NOT NULL REFERENCES reports (id),
    inspector_id   BLOB NOT NULL REFERENCES staff_users (id),
    outcome        TEXT NOT NULL,
    lat            REAL NOT NULL,
    lon            REAL NOT NULL,
    accuracy_m     REAL NOT NULL,
    distance_m     REAL NOT NULL,
    fix_at         INTEGER NOT NULL,
    photo          TEXT,
    photo_taken_at INTEGER,
    note           TEXT,
    inspected_at   INTEGER NOT NULL,
    received_at    INTEGER NOT NULL
);
CREATE INDEX inspections_report ON inspections (report_id, inspected_at);
