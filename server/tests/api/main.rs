//! Black-box tests: the real server on a random port, over HTTP, on SQLite and (when
//! reachable, always in CI) PostgreSQL. One test binary; modules by feature.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod abuse;
mod accounts;
mod admin_users;
mod analytics;
mod assets;
mod bookings;
mod config;
mod delivery;
mod discovery;
mod events;
mod exports;
mod hardening;
mod health;
mod helpers;
mod live;
mod openapi;
mod pages;
mod push;
mod security;
mod waitlist;
