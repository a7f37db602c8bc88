-- What buyers are told about paying, in the organizer's words ("Pay at the door, cash or
-- card"). Evently takes no payment; empty: the site says the total is due at the door.
ALTER TABLE events ADD COLUMN payment_note TEXT NOT NULL DEFAULT '';
