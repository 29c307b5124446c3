-- Times are INTEGER microseconds since the Unix epoch (UTC): they compare and
-- sort correctly, unlike text timestamps with variable fractional digits.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT INTO meta (key, value) VALUES ('config_version', 1);

CREATE TABLE comuni (
    istat_code          TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    centre_lat          REAL,
    centre_lon          REAL,
    boundary            TEXT,      -- GeoJSON geometry (MultiPolygon), NULL until imported
    boundary_updated_at INTEGER,
    created_at          INTEGER NOT NULL
);

CREATE TABLE departments (
    comune  TEXT NOT NULL REFERENCES comuni (istat_code),
    code    TEXT NOT NULL,
    name_it TEXT NOT NULL,
    name_en TEXT NOT NULL,
    PRIMARY KEY (comune, code)
);

CREATE TABLE categories (
    comune         TEXT NOT NULL REFERENCES comuni (istat_code),
    code           TEXT NOT NULL,
    name_it        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_it TEXT NOT NULL,
    department     TEXT NOT NULL,
    position       INTEGER NOT NULL,   -- display order in the app
    enabled        INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (comune, code),
    FOREIGN KEY (comune, department) REFERENCES departments (comune, code)
);

CREATE TABLE comune_services (
    comune  TEXT NOT NULL REFERENCES comuni (istat_code),
    service TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    PRIMARY KEY (comune, service)
);

CREATE TABLE reports (
    id                 BLOB PRIMARY KEY,
    device_id          BLOB,
    source             TEXT NOT NULL,          -- 'app' | 'open311'
    api_key_id         BLOB,
    comune             TEXT NOT NULL REFERENCES comuni (istat_code),
    category           TEXT NOT NULL,
    department         TEXT NOT NULL,
    description        TEXT NOT NULL,
    lat                REAL NOT NULL,
    lon                REAL NOT NULL,
    accuracy_m         REAL NOT NULL,
    address            TEXT,
    captured_at        INTEGER NOT NULL,
    received_at        INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    photos             TEXT NOT NULL,          -- JSON array of sha256 hex
    media_url          TEXT,
    routing_method     TEXT NOT NULL,
    routing_distance_m REAL,
    fingerprint        TEXT NOT NULL,
    status             TEXT NOT NULL,
    status_detail      TEXT
);
CREATE INDEX reports_queue ON reports (comune, status, received_at);
CREATE INDEX reports_position ON reports (lat, lon);
CREATE INDEX reports_received ON reports (received_at);

CREATE TABLE report_events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id BLOB NOT NULL REFERENCES reports (id),
    device_id BLOB,
    status    TEXT NOT NULL,
    detail    TEXT,
    actor     TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE INDEX report_events_device ON report_events (device_id, seq);
CREATE INDEX report_events_report ON report_events (report_id, seq);

CREATE TABLE api_keys (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE staff_users (
    id            BLOB PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE staff_user_comuni (
    user_id BLOB NOT NULL REFERENCES staff_users (id),
    comune  TEXT NOT NULL REFERENCES comuni (istat_code),
    PRIMARY KEY (user_id, comune)
);
