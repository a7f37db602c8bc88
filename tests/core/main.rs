//! Core tests against real databases: SQLite always, PostgreSQL when reachable (always in CI).
//! One test binary for the crate; modules by feature.

mod accounts;
mod bookings;
mod contention;
mod events;
mod helpers;
mod holds;
