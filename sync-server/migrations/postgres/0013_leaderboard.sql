-- Phones that joined a Comune's leaderboard, under a nickname unique in that
-- Comune (`nickname_key` is its lower case). Nobody else ever appears.
CREATE TABLE leaderboard_entries (
    comune       TEXT NOT NULL REFERENCES comuni (istat_code),
    device_id    UUID NOT NULL,
    nickname     TEXT NOT NULL,
    nickname_key TEXT NOT NULL,
    joined_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (comune, device_id)
);
CREATE UNIQUE INDEX leaderboard_nicknames ON leaderboard_entries (comune, nickname_key);
