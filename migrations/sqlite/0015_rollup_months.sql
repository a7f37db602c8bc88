-- Analytics rollups, coarser levels (issue 17), so a dashboard over months reads hundreds of
-- rows, not hundreds of thousands. `month` = year * 12 + month - 1 of the UTC day.
--
-- `sales_platform_daily`: the platform per day and currency (all counters), for headline
-- figures and series by day, week or month.
-- `sales_monthly`: tickets and value per month, category, city and currency, for the
-- breakdowns; days outside whole months are read from `sales_daily`.
-- `event_monthly`: each event per month and currency (currency '' = tickets in all
-- currencies), for the top events: a month's head is read by amount, like a day's.
--
-- The fold keeps them equal to the sums of `sales_daily` and `event_daily`: when it folds a
-- day again it takes the day's old rows out of the month and adds the new ones, in the same
-- transaction. `server check` compares them with a recount.
CREATE TABLE sales_platform_daily (
    day                    BIGINT NOT NULL,
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
    PRIMARY KEY (day, currency)
);
INSERT INTO sales_platform_daily
SELECT day, currency, SUM(bookings), SUM(tickets), SUM(value_cents), SUM(cancellations),
       SUM(tickets_cancelled), SUM(value_cancelled_cents), SUM(checkins), SUM(holds),
       SUM(waitlist_joins), SUM(offers_accepted), SUM(page_views)
FROM sales_daily GROUP BY day, currency;

CREATE TABLE sales_monthly (
    month        BIGINT NOT NULL,
    category     TEXT NOT NULL,
    city         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    tickets      BIGINT NOT NULL,
    value_cents  BIGINT NOT NULL,
    PRIMARY KEY (month, category, city, currency)
);
INSERT INTO sales_monthly
SELECT m.month, category, city, currency, SUM(tickets), SUM(value_cents)
FROM (SELECT (CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12
              + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1) AS month,
             category, city, currency, tickets, value_cents FROM sales_daily) m
GROUP BY m.month, category, city, currency;

CREATE TABLE event_monthly (
    event_id     BIGINT NOT NULL,
    month        BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    tickets      BIGINT NOT NULL,
    value_cents  BIGINT NOT NULL,
    PRIMARY KEY (event_id, month, currency)
);
INSERT INTO event_monthly
SELECT event_id, m.month, currency, SUM(tickets), SUM(value_cents)
FROM (SELECT event_id, (CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12
              + CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1) AS month,
             currency, tickets, value_cents FROM event_daily) m
GROUP BY event_id, m.month, currency;
CREATE INDEX event_monthly_tickets ON event_monthly (month, currency, tickets DESC);
CREATE INDEX event_monthly_value ON event_monthly (month, currency, value_cents DESC);
