-- What the person who changed a status wrote (a department's note on the
-- work done, an inspector's on what was found) and the photo they attached
-- (its sha256, like report photos): the citizen reads the note on the phone.
ALTER TABLE report_events ADD COLUMN note TEXT;
ALTER TABLE report_events ADD COLUMN photo TEXT;
