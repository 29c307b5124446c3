-- Each phone's secret (issue 14, point 15): the phone makes a random key at
-- first run and sends it with its id; the first request that reaches the
-- server registers the key's sha256 here, and every later request from that
-- id must carry the same key. The key itself is never stored.
CREATE TABLE devices (
    device_id  UUID PRIMARY KEY,
    key_sha256 BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
