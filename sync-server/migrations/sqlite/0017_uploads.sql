-- Photo uploads (tus), each belonging to the device that started it: what
-- the per-device quotas count, what expires when never finished, and who
-- may see a photo before (or without) its report being public.
-- state: open | done | refused | terminated.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    device_id   BLOB NOT NULL,
    photo       TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX uploads_device ON uploads (device_id, created_at);
CREATE INDEX uploads_photo ON uploads (photo, state);
CREATE INDEX uploads_state ON uploads (state, finished_at);

-- Which reports show a photo and how (kind: report | work | inspection), so
-- serving a photo asks an index rather than every report's photo list.
-- Kept by the triggers below; a migration that rebuilds one of these tables
-- must create its triggers again.
CREATE TABLE photo_refs (
    photo     TEXT NOT NULL,
    report_id BLOB NOT NULL REFERENCES reports (id),
    kind      TEXT NOT NULL,
    PRIMARY KEY (photo, report_id, kind)
);
CREATE INDEX photo_refs_report ON photo_refs (report_id);

INSERT OR IGNORE INTO photo_refs (photo, report_id, kind)
    SELECT p.value, r.id, 'report' FROM reports r, json_each(r.photos) p;
INSERT OR IGNORE INTO photo_refs (photo, report_id, kind)
    SELECT photo, report_id, 'work' FROM report_events WHERE photo IS NOT NULL;
INSERT OR IGNORE INTO photo_refs (photo, report_id, kind)
    SELECT photo, report_id, 'inspection' FROM inspections WHERE photo IS NOT NULL;

CREATE TRIGGER photo_refs_report_inserted AFTER INSERT ON reports BEGIN
    INSERT OR IGNORE INTO photo_refs (photo, report_id, kind) SELECT value, NEW.id, 'report' FROM json_each(NEW.photos);
END;

-- A blurred copy in place of the original.
CREATE TRIGGER photo_refs_report_photos_changed AFTER UPDATE OF photos ON reports BEGIN
    DELETE FROM photo_refs WHERE report_id = NEW.id AND kind = 'report';
    INSERT OR IGNORE INTO photo_refs (photo, report_id, kind) SELECT value, NEW.id, 'report' FROM json_each(NEW.photos);
END;

CREATE TRIGGER photo_refs_event_inserted AFTER INSERT ON report_events WHEN NEW.photo IS NOT NULL BEGIN
    INSERT OR IGNORE INTO photo_refs (photo, report_id, kind) VALUES (NEW.photo, NEW.report_id, 'work');
END;

CREATE TRIGGER photo_refs_inspection_inserted AFTER INSERT ON inspections WHEN NEW.photo IS NOT NULL BEGIN
    INSERT OR IGNORE INTO photo_refs (photo, report_id, kind) VALUES (NEW.photo, NEW.report_id, 'inspection');
END;
