-- Badges count a phone's petitions that reached a threshold on every sync
-- whose points may have changed: found by the phone that proposed them.
CREATE INDEX petitions_author_device ON petitions (author_device);
