-- Badges earned by a device (the citizen's app), each level once: the
-- primary key is what makes a confirmation synced twice one award. The
-- Comune whose result earned it decides whether it shows (gamification on);
-- it never leaves the server.
CREATE TABLE badge_awards (
    device_id  BLOB NOT NULL,
    badge      TEXT NOT NULL,
    level      INTEGER NOT NULL,
    comune     TEXT NOT NULL REFERENCES comuni (istat_code),
    awarded_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, badge, level)
);
