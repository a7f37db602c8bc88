//! Core tests against real databases: SQLite always, PostgreSQL when reachable (always in CI).
//! One test binary for the crate; modules by feature.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod analytics;
mod bookings;
mod contention;
mod events;
mod helpers;
mod history;
mod holds;
mod inventory;
mod outbox;
mod search;
mod seat_limit;
mod waitlist;
