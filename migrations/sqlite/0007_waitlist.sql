-- The waitlist (issue 15). A queue per ticket type: entries in `place` order, handed out
-- under the ticket type's row lock so places follow commit order. Offers are holds owned by
-- an entry (`holds.waitlist_entry_id`).

-- How long a waitlist offer lives, per event.
ALTER TABLE events ADD COLUMN offer_minutes BIGINT NOT NULL DEFAULT 30
    CHECK (offer_minutes BETWEEN 5 AND 1440);

-- The queue's state on its ticket type, changed under the same row lock as the seats.
ALTER TABLE ticket_types ADD COLUMN wl_next_place BIGINT NOT NULL DEFAULT 0;
ALTER TABLE ticket_types ADD COLUMN wl_active BIGINT NOT NULL DEFAULT 0 CHECK (wl_active >= 0);
ALTER TABLE ticket_types ADD COLUMN wl_paused BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE ticket_types ADD COLUMN wl_first_fit BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE holds ADD COLUMN waitlist_entry_id BIGINT;

CREATE TABLE waitlist_entries (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id           BIGINT NOT NULL REFERENCES users(id),
    event_id          BIGINT NOT NULL REFERENCES events(id),
    ticket_type_id    BIGINT NOT NULL REFERENCES ticket_types(id),
    quantity          BIGINT NOT NULL CHECK (quantity > 0),
    place             BIGINT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('waiting', 'offered', 'booked', 'left', 'expired', 'closed', 'removed')),
    hold_id           BIGINT REFERENCES holds(id),
    offered_quantity  BIGINT NOT NULL DEFAULT 0,
    offer_expires_at  BIGINT,
    offers_made       BIGINT NOT NULL DEFAULT 0,
    booking_id        BIGINT REFERENCES bookings(id),
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    ended_at          BIGINT,
    UNIQUE (ticket_type_id, place)
);
CREATE UNIQUE INDEX waitlist_one_active ON waitlist_entries (ticket_type_id, user_id)
    WHERE status IN ('waiting', 'offered');
CREATE INDEX waitlist_queue ON waitlist_entries (ticket_type_id, place)
    WHERE status IN ('waiting', 'offered');
-- The entries that still want seats (waiting, or with fewer set aside than they asked for):
-- what a hand-out walks, without stepping over the complete offers at the head.
CREATE INDEX waitlist_wanting ON waitlist_entries (ticket_type_id, place)
    WHERE status = 'waiting' OR (status = 'offered' AND offered_quantity < quantity);
CREATE INDEX waitlist_user ON waitlist_entries (user_id, created_at);
CREATE INDEX waitlist_event ON waitlist_entries (event_id, ticket_type_id, place);
CREATE INDEX holds_waitlist ON holds (waitlist_entry_id) WHERE waitlist_entry_id IS NOT NULL;
