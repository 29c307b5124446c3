-- Photo uploads (tus), each belonging to the device that started it: what
-- the per-device quotas count, what expires when never finished, and who
-- may see a photo before (or without) its report being public.
-- state: open | done | refused | terminated.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,
    device_id   UUID NOT NULL,
    photo       TEXT NOT NULL,
    state       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);
CREATE INDEX uploads_device ON uploads (device_id, created_at);
CREATE INDEX uploads_photo ON uploads (photo, state);
CREATE INDEX uploads_state ON uploads (state, finished_at);

-- Which reports show a photo and how (kind: report | work | inspection), so
-- serving a photo asks an index rather than every report's photo list.
-- Kept by the triggers below.
CREATE TABLE photo_refs (
    photo     TEXT NOT NULL,
    report_id UUID NOT NULL REFERENCES reports (id),
    kind      TEXT NOT NULL,
    PRIMARY KEY (photo, report_id, kind)
);
CREATE INDEX photo_refs_report ON photo_refs (report_id);

INSERT INTO photo_refs (photo, report_id, kind)
    SELECT DISTINCT p, r.id, 'report' FROM reports r, unnest(r.photos) AS p ON CONFLICT DO NOTHING;
INSERT INTO photo_refs (photo, report_id, kind)
    SELECT DISTINCT photo, report_id, 'work' FROM report_events WHERE photo IS NOT NULL ON CONFLICT DO NOTHING;
INSERT INTO photo_refs (photo, report_id, kind)
    SELECT DISTINCT photo, report_id, 'inspection' FROM inspections WHERE photo IS NOT NULL ON CONFLICT DO NOTHING;

-- A report's own photos, when it is filed and when one is replaced by a
-- blurred copy.
CREATE FUNCTION photo_refs_of_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM photo_refs WHERE report_id = NEW.id AND kind = 'report';
    END IF;
    INSERT INTO photo_refs (photo, report_id, kind)
        SELECT DISTINCT p, NEW.id, 'report' FROM unnest(NEW.photos) AS p ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER photo_refs_report AFTER INSERT OR UPDATE OF photos ON reports
    FOR EACH ROW EXECUTE FUNCTION photo_refs_of_report();

-- A photo attached to a status change (kind 'work') or to a visit ('inspection').
CREATE FUNCTION photo_refs_of_attachment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO photo_refs (photo, report_id, kind) VALUES (NEW.photo, NEW.report_id, TG_ARGV[0]) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER photo_refs_event AFTER INSERT ON report_events
    FOR EACH ROW WHEN (NEW.photo IS NOT NULL) EXECUTE FUNCTION photo_refs_of_attachment('work');
CREATE TRIGGER photo_refs_inspection AFTER INSERT ON inspections
    FOR EACH ROW WHEN (NEW.photo IS NOT NULL) EXECUTE FUNCTION photo_refs_of_attachment('inspection');
