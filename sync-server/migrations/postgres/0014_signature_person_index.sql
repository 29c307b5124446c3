-- Signing looks up a person's rows of one petition (invalidated, standing):
-- without this index that was a scan of the petition's signatures.
CREATE INDEX petition_signatures_person ON petition_signatures (citizen_id, petition_id);

-- Citizens keyed before the identity secret existed carry version 0 (a plain
-- hash); the server re-keys them at start (version 1: the HMAC of that hash).
ALTER TABLE citizens ADD COLUMN key_version INTEGER NOT NULL DEFAULT 0;
-- The start-up check for such rows reads this, not the whole table.
CREATE INDEX citizens_legacy_keys ON citizens (id) WHERE key_version = 0;
