CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('config_version', 1);

CREATE TABLE comuni (
    istat_code          TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    centre_lat          DOUBLE PRECISION,
    centre_lon          DOUBLE PRECISION,
    boundary            TEXT,      -- GeoJSON geometry (MultiPolygon), NULL until imported
    boundary_updated_at TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL
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
    enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (comune, code),
    FOREIGN KEY (comune, department) REFERENCES departments (comune, code)
);

CREATE TABLE comune_services (
    comune  TEXT NOT NULL REFERENCES comuni (istat_code),
    service TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    PRIMARY KEY (comune, service)
);

CREATE TABLE reports (
    id                 UUID PRIMARY KEY,
    device_id          UUID,
    source             TEXT NOT NULL,
    api_key_id         UUID,
    comune             TEXT NOT NULL REFERENCES comuni (istat_code),
    category           TEXT NOT NULL,
    department         TEXT NOT NULL,
    description        TEXT NOT NULL,
    lat                DOUBLE PRECISION NOT NULL,
    lon                DOUBLE PRECISION NOT NULL,
    accuracy_m         DOUBLE PRECISION NOT NULL,
    address            TEXT,
    captured_at        TIMESTAMPTZ NOT NULL,
    received_at        TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    photos             TEXT[] NOT NULL,
    media_url          TEXT,
    routing_method     TEXT NOT NULL,
    routing_distance_m DOUBLE PRECISION,
    fingerprint        TEXT NOT NULL,
    status             TEXT NOT NULL,
    status_detail      TEXT
);
CREATE INDEX reports_queue ON reports (comune, status, received_at);
CREATE INDEX reports_position ON reports (lat, lon);
CREATE INDEX reports_received ON reports (received_at);

-- Events are appended under a transaction-scoped advisory lock, so their
-- sequence numbers become visible in order and a cursor never skips one.
CREATE TABLE report_events (
    seq       BIGSERIAL PRIMARY KEY,
    report_id UUID NOT NULL REFERENCES reports (id),
    device_id UUID,
    status    TEXT NOT NULL,
    detail    TEXT,
    actor     TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_events_device ON report_events (device_id, seq);
CREATE INDEX report_events_report ON report_events (report_id, seq);

CREATE TABLE api_keys (
    id         UUID PRIMARY KEY,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);

CREATE TABLE staff_users (
    id            UUID PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE staff_user_comuni (
    user_id UUID NOT NULL REFERENCES staff_users (id),
    comune  TEXT NOT NULL REFERENCES comuni (istat_code),
    PRIMARY KEY (user_id, comune)
);
