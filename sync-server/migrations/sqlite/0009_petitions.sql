-- Citizens whose identity was verified (today by a clerk who saw an ID
-- document; SPID/CIE later). `person_key` is the sha256 of the normalised
-- fiscal code, so the same person verified twice is one row.
CREATE TABLE citizens (
    id          BLOB PRIMARY KEY,
    person_key  TEXT NOT NULL UNIQUE,
    residence   TEXT NOT NULL REFERENCES comuni (istat_code),
    provider    TEXT NOT NULL,
    verified_at INTEGER NOT NULL
);

-- One-time codes a clerk hands out; the phone trades one for a token.
CREATE TABLE citizen_activations (
    code_hash  TEXT PRIMARY KEY,
    citizen_id BLOB NOT NULL REFERENCES citizens (id),
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

-- A phone's bearer token for a citizen (stored as its sha256).
CREATE TABLE citizen_tokens (
    token_hash TEXT PRIMARY KEY,
    citizen_id BLOB NOT NULL REFERENCES citizens (id),
    device_id  BLOB NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE petitions (
    id             BLOB PRIMARY KEY,
    comune         TEXT NOT NULL REFERENCES comuni (istat_code),
    title          TEXT NOT NULL,
    body           TEXT NOT NULL,
    status         TEXT NOT NULL,
    status_detail  TEXT,
    residents_only INTEGER NOT NULL,
    closes_at      INTEGER,
    signatures     INTEGER NOT NULL DEFAULT 0,
    response       TEXT,
    author         TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX petitions_comune ON petitions (comune, status);

CREATE TABLE petition_thresholds (
    petition_id BLOB NOT NULL REFERENCES petitions (id),
    kind        TEXT NOT NULL,
    signatures  INTEGER NOT NULL,
    reached_at  INTEGER,
    PRIMARY KEY (petition_id, kind)
);

-- A row per signature; at most one standing (not withdrawn) per person and
-- petition: the partial unique index is what makes two phones of the same
-- person one signature. A withdrawn row stays, so re-sends of its signature
-- and of its withdrawal answer what they answered the first time.
CREATE TABLE petition_signatures (
    id           BLOB PRIMARY KEY,
    petition_id  BLOB NOT NULL REFERENCES petitions (id),
    citizen_id   BLOB NOT NULL REFERENCES citizens (id),
    device_id    BLOB NOT NULL,
    signed_at    INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    withdrawn_at INTEGER,
    withdrawal_id BLOB
);
CREATE UNIQUE INDEX petition_signatures_once ON petition_signatures (petition_id, citizen_id) WHERE withdrawn_at IS NULL;

-- What happened to a petition (opened, thresholds crossed...), append only.
CREATE TABLE petition_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    petition_id BLOB NOT NULL REFERENCES petitions (id),
    event       TEXT NOT NULL,
    detail      TEXT,
    signatures  INTEGER NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX petition_events_petition ON petition_events (petition_id, seq);
