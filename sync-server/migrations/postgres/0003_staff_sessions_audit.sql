-- Dashboard sessions: the cookie holds a random token, the database only its
-- sha256, so a copy of the database opens no session.
CREATE TABLE staff_sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES staff_users (id),
    csrf       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);

-- Failed logins in a row, and the lock they caused.
CREATE TABLE staff_login_state (
    user_id      UUID PRIMARY KEY REFERENCES staff_users (id),
    failures     INTEGER NOT NULL,
    locked_until TIMESTAMPTZ
);

-- Every staff action, append only.
CREATE TABLE audit_log (
    seq    BIGSERIAL PRIMARY KEY,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT,
    detail TEXT,
    at     TIMESTAMPTZ NOT NULL
);
