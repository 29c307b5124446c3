-- What tells the identity secret apart (an HMAC of a constant, not the
-- secret): every server keying citizens for this database must use the same.
CREATE TABLE identity_secret (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
