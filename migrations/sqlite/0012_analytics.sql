-- Analytics rollups (issue 17). Times are UTC: `hour` = ms / 3,600,000, `day` = hour / 24.
--
-- Level 1, `sales_hourly`: written by the same transactions that write the facts (a booking,
-- a cancellation, a check-in, a hold, a waitlist join or an accepted offer), one row per ticket
-- type, hour and currency, so no two on-sales ever queue on one row, and the row a booking
-- touches belongs to the ticket type whose row it has locked already. Check-ins count under
-- their booking's currency; holds and waitlist figures, which have none, under currency ''.
CREATE TABLE sales_hourly (
    ticket_type_id         BIGINT NOT NULL,
    hour                   BIGINT NOT NULL,
    currency               TEXT NOT NULL,
    event_id               BIGINT NOT NULL,
    bookings               BIGINT NOT NULL DEFAULT 0,
    tickets                BIGINT NOT NULL DEFAULT 0,
    value_cents            BIGINT NOT NULL DEFAULT 0,
    cancellations          BIGINT NOT NULL DEFAULT 0,
    tickets_cancelled      BIGINT NOT NULL DEFAULT 0,
    value_cancelled_cents  BIGINT NOT NULL DEFAULT 0,
    checkins               BIGINT NOT NULL DEFAULT 0,
    holds                  BIGINT NOT NULL DEFAULT 0,
    waitlist_joins         BIGINT NOT NULL DEFAULT 0,
    offers_accepted        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (ticket_type_id, hour, currency)
);
CREATE INDEX sales_hourly_event ON sales_hourly (event_id, hour);
CREATE INDEX sales_hourly_hour ON sales_hourly (hour);

-- Event page views, counted in memory by each instance and added in batches.
CREATE TABLE page_views_hourly (
    event_id  BIGINT NOT NULL,
    hour      BIGINT NOT NULL,
    views     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, hour)
);
CREATE INDEX page_views_hour ON page_views_hourly (hour);

-- Level 2, folded from level 1 by the analytics worker (a lag of under a minute, shown on
-- the dashboard): the platform by day, category, city and currency; the platform by hour and
-- currency; each event by day and currency (for the top events; currency '' holds the
-- event's tickets in all currencies).
CREATE TABLE sales_daily (
    day                    BIGINT NOT NULL,
    category               TEXT NOT NULL,
    city                   TEXT NOT NULL,
    currency               TEXT NOT NULL,
    bookings               BIGINT NOT NULL,
    tickets                BIGINT NOT NULL,
    value_cents            BIGINT NOT NULL,
    cancellations          BIGINT NOT NULL,
    tickets_cancelled      BIGINT NOT NULL,
    value_cancelled_cents  BIGINT NOT NULL,
    checkins               BIGINT NOT NULL,
    holds                  BIGINT NOT NULL,
    waitlist_joins         BIGINT NOT NULL,
    offers_accepted        BIGINT NOT NULL,
    page_views             BIGINT NOT NULL,
    PRIMARY KEY (day, category, city, currency)
);
CREATE TABLE sales_platform_hourly (
    hour                   BIGINT NOT NULL,
    currency               TEXT NOT NULL,
    bookings               BIGINT NOT NULL,
    tickets                BIGINT NOT NULL,
    value_cents            BIGINT NOT NULL,
    cancellations          BIGINT NOT NULL,
    tickets_cancelled      BIGINT NOT NULL,
    value_cancelled_cents  BIGINT NOT NULL,
    checkins               BIGINT NOT NULL,
    holds                  BIGINT NOT NULL,
    waitlist_joins         BIGINT NOT NULL,
    offers_accepted        BIGINT NOT NULL,
    page_views             BIGINT NOT NULL,
    PRIMARY KEY (hour, currency)
);
CREATE TABLE event_daily (
    event_id     BIGINT NOT NULL,
    day          BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    tickets      BIGINT NOT NULL,
    value_cents  BIGINT NOT NULL,
    PRIMARY KEY (event_id, day, currency)
);
CREATE INDEX event_daily_tickets ON event_daily (day, currency, tickets DESC);
CREATE INDEX event_daily_value ON event_daily (day, currency, value_cents DESC);

-- Hours whose level-2 rows must be folded again (a change to a past hour: an erasure, an
-- event moved to another city or category, seeded history), and how far folding has got.
CREATE TABLE rollup_dirty (
    hour  BIGINT PRIMARY KEY
);
CREATE TABLE rollup_state (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    folded_through  BIGINT NOT NULL,
    folded_at       BIGINT NOT NULL
);
INSERT INTO rollup_state (id, folded_through, folded_at) VALUES (1, -1, 0);

-- Level 1 from what is there already; level 2 follows on the worker's first pass.
INSERT INTO sales_hourly (ticket_type_id, hour, currency, event_id, bookings, tickets, value_cents,
    cancellations, tickets_cancelled, value_cancelled_cents, checkins, holds, waitlist_joins, offers_accepted)
SELECT ticket_type_id, hour, currency, MAX(event_id), SUM(bookings), SUM(tickets), SUM(value_cents),
    SUM(cancellations), SUM(tickets_cancelled), SUM(value_cancelled_cents), SUM(checkins), SUM(holds),
    SUM(waitlist_joins), SUM(offers_accepted)
FROM (
    SELECT b.ticket_type_id, b.created_at / 3600000 AS hour, b.currency, b.event_id, 1 AS bookings,
        b.quantity AS tickets, b.total_cents AS value_cents, 0 AS cancellations, 0 AS tickets_cancelled,
        0 AS value_cancelled_cents, 0 AS checkins, 0 AS holds, 0 AS waitlist_joins, 0 AS offers_accepted
    FROM bookings b
    UNION ALL
    SELECT b.ticket_type_id, b.cancelled_at / 3600000, b.currency, b.event_id, 0, 0, 0, 1, b.quantity,
        b.total_cents, 0, 0, 0, 0
    FROM bookings b WHERE b.status = 'cancelled' AND b.cancelled_at IS NOT NULL
    UNION ALL
    SELECT b.ticket_type_id, k.checked_in_at / 3600000, b.currency, b.event_id, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0
    FROM tickets k JOIN bookings b ON b.id = k.booking_id WHERE k.checked_in_at IS NOT NULL
    UNION ALL
    SELECT h.ticket_type_id, h.created_at / 3600000, '', h.event_id, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0
    FROM holds h
    UNION ALL
    SELECT w.ticket_type_id, w.created_at / 3600000, '', w.event_id, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0
    FROM waitlist_entries w
    UNION ALL
    SELECT w.ticket_type_id, w.ended_at / 3600000, '', w.event_id, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1
    FROM waitlist_entries w WHERE w.status = 'booked' AND w.ended_at IS NOT NULL
) facts
GROUP BY ticket_type_id, hour, currency;
