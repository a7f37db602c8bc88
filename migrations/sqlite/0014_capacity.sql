-- Capacity sold by the day events take place (issue 17): for the published events starting on
-- each UTC day, how many, their capacity and their seats sold (less cancellations, from
-- `sales_hourly`). Folded by the analytics worker for the days marked in `capacity_dirty`
-- (an event published, cancelled, moved or resized) and the days of events that sold.
CREATE TABLE capacity_daily (
    day       BIGINT PRIMARY KEY,
    events    BIGINT NOT NULL,
    capacity  BIGINT NOT NULL,
    sold      BIGINT NOT NULL
);
CREATE TABLE capacity_dirty (
    day  BIGINT PRIMARY KEY
);
-- Every day with published events, folded on the next pass.
INSERT INTO capacity_dirty (day) SELECT DISTINCT starts_at / 86400000 FROM events WHERE status = 'published';
