-- Each Comune's rules for petitions (see PetitionRules): co-sponsors a
-- citizen's proposal needs, thresholds, months until signers' data goes.
ALTER TABLE comuni ADD COLUMN petition_cosponsors INTEGER NOT NULL DEFAULT 5;
ALTER TABLE comuni ADD COLUMN petition_response_threshold INTEGER NOT NULL DEFAULT 500;
ALTER TABLE comuni ADD COLUMN petition_debate_threshold INTEGER NOT NULL DEFAULT 2000;
ALTER TABLE comuni ADD COLUMN petition_anonymise_months INTEGER NOT NULL DEFAULT 6;

-- A citizen's proposal: its author (the person, and the phone that sent it,
-- for the author's badges), its co-sponsors target, and the days it will stay
-- open once a moderator opens it. `ended_at` starts the anonymisation clock;
-- `anonymised_at` says the signatures are gone (the counts stay).
ALTER TABLE petitions ADD COLUMN open_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN cosponsors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE petitions ADD COLUMN author_citizen UUID REFERENCES citizens (id);
ALTER TABLE petitions ADD COLUMN author_device UUID;
ALTER TABLE petitions ADD COLUMN ended_at TIMESTAMPTZ;
ALTER TABLE petitions ADD COLUMN anonymised_at TIMESTAMPTZ;
CREATE INDEX petitions_author ON petitions (author_citizen);
CREATE INDEX petitions_closing ON petitions (status, closes_at);

-- A signature a moderator invalidated (a burst from one phone...): not
-- standing, kept so that a re-send is answered with why.
ALTER TABLE petition_signatures ADD COLUMN invalidated_at TIMESTAMPTZ;
CREATE INDEX petition_signatures_device ON petition_signatures (device_id, received_at);
CREATE INDEX petition_signatures_citizen ON petition_signatures (citizen_id, received_at);
CREATE INDEX petition_signatures_time ON petition_signatures (petition_id, received_at);
