//! The phone's schema, in order: phones in the field upgrade through every
//! step, so steps are only ever appended.

use rusqlite_migration::{Migrations, M};

use super::device_key;
use crate::services::badges::store as badges;
use crate::services::inspector::store as inspector;
use crate::services::petitions::store as petitions;

pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE device (
             id        TEXT NOT NULL,
             created_at TEXT NOT NULL
         );
         CREATE TABLE sync_state (
             id            INTEGER PRIMARY KEY CHECK (id = 1),
             cursor        INTEGER NOT NULL DEFAULT 0,
             last_sync_at  TEXT,
             last_error    TEXT,
             failures      INTEGER NOT NULL DEFAULT 0
         );
         INSERT INTO sync_state (id) VALUES (1);
         CREATE TABLE reports (
             id            TEXT PRIMARY KEY,
             category      TEXT NOT NULL,
             description   TEXT NOT NULL,
             lat           REAL NOT NULL,
             lon           REAL NOT NULL,
             accuracy_m    REAL NOT NULL,
             captured_at   TEXT NOT NULL,
             photos        TEXT NOT NULL,
             status        TEXT NOT NULL,
             status_detail TEXT,
             status_at     TEXT NOT NULL,
             comune        TEXT,
             comune_name   TEXT,
             department    TEXT,
             department_name TEXT,
             approximate   INTEGER,
             error_code    TEXT,
             error_message TEXT
         );
         -- Pending mutations, sent in order.
         CREATE TABLE outbox (
             seq        INTEGER PRIMARY KEY AUTOINCREMENT,
             item_id    TEXT NOT NULL UNIQUE,
             kind       TEXT NOT NULL,
             payload    TEXT NOT NULL,
             created_at TEXT NOT NULL,
             attempts   INTEGER NOT NULL DEFAULT 0
         );",
        ),
        // Processed photos, content-addressed: the file is photos/<sha256>.jpg.
        M::up(
            "CREATE TABLE photos (
                 sha256      TEXT PRIMARY KEY,
                 bytes       INTEGER NOT NULL,
                 width       INTEGER NOT NULL,
                 height      INTEGER NOT NULL,
                 created_at  TEXT NOT NULL,
                 uploaded_at TEXT
             );",
        ),
        // A tus upload in progress, so a restart resumes it.
        M::up("ALTER TABLE photos ADD COLUMN upload_url TEXT;"),
        // What the server knows that the phone shows offline: the Comuni with
        // their services and categories (replaced whole when the server's
        // directory version moves), and public reports around the last place
        // asked about (replaced whole by each answer).
        M::up(
            "CREATE TABLE comuni (
                 istat_code TEXT PRIMARY KEY,
                 position   INTEGER NOT NULL,
                 info       TEXT NOT NULL
             );
             ALTER TABLE sync_state ADD COLUMN directory_version INTEGER;
             CREATE TABLE nearby_reports (
                 id         TEXT PRIMARY KEY,
                 comune     TEXT NOT NULL,
                 category   TEXT NOT NULL,
                 lat        REAL NOT NULL,
                 lon        REAL NOT NULL,
                 report     TEXT NOT NULL
             );
             CREATE INDEX nearby_reports_lat ON nearby_reports (lat);
             ALTER TABLE sync_state ADD COLUMN nearby_query TEXT;
             ALTER TABLE sync_state ADD COLUMN nearby_at TEXT;",
        ),
        // The app's own state: each report's status timeline as the phone saw
        // it, the citizen's settings, and public reports followed instead of
        // filing a duplicate.
        M::up(
            "CREATE TABLE report_events (
                 report_id     TEXT NOT NULL,
                 status        TEXT NOT NULL,
                 status_detail TEXT,
                 at            TEXT NOT NULL,
                 UNIQUE (report_id, status, at)
             );
             INSERT INTO report_events (report_id, status, status_detail, at)
                 SELECT id, status, status_detail, status_at FROM reports;
             CREATE TABLE settings (
                 key   TEXT PRIMARY KEY,
                 value TEXT NOT NULL
             );
             CREATE TABLE follows (
                 report_id  TEXT PRIMARY KEY,
                 report     TEXT NOT NULL,
                 created_at TEXT NOT NULL
             );",
        ),
        // The citizen's requests to reopen a resolved report, kept for the
        // timeline with the server's answer once it comes.
        M::up(
            "CREATE TABLE reopens (
                 id            TEXT PRIMARY KEY,
                 report_id     TEXT NOT NULL REFERENCES reports (id),
                 reason        TEXT NOT NULL,
                 at            TEXT NOT NULL,
                 accepted      INTEGER NOT NULL DEFAULT 0,
                 error_code    TEXT,
                 error_message TEXT
             );
             CREATE INDEX reopens_report ON reopens (report_id);
             -- Simplified boundaries for the offline map, per directory
             -- version; an empty ring list means the server has none.
             CREATE TABLE outlines (
                 istat_code TEXT PRIMARY KEY,
                 version    INTEGER NOT NULL,
                 rings      TEXT NOT NULL
             );",
        ),
        // The office's note that came with a status (work done, what the
        // inspector found).
        M::up("ALTER TABLE report_events ADD COLUMN note TEXT;"),
        // The inspector mode (`services::inspector`).
        M::up(inspector::MIGRATION),
        // Petitions, the citizen's identity and signatures (`services::petitions`).
        M::up(petitions::MIGRATION),
        // Badges (`services::badges`).
        M::up(badges::MIGRATION),
        M::up(petitions::PROPOSALS_MIGRATION),
        // The phone's secret (`store::device_key`).
        M::up(device_key::MIGRATION),
        // The map's outlines are looked up by Comune on every sync.
        M::up("CREATE INDEX reports_comune ON reports (comune);"),
    ])
}
