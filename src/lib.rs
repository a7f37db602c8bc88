//! Evently core: the domain rules, the booking engine and persistence.
//!
//! The plain types (`dto`, `error`, `domain`) compile for the browser too, so pages and the
//! wasm bundle share them with the server. Everything that touches the database, tokens or
//! passwords sits behind the `server` feature.

pub mod domain;
pub mod dto;
pub mod error;
pub mod live_protocol;

#[cfg(feature = "server")]
pub mod accounts;
#[cfg(feature = "server")]
pub mod actor;
#[cfg(feature = "server")]
pub mod analytics;
#[cfg(feature = "server")]
pub mod bookings;
#[cfg(feature = "server")]
pub mod check;
#[cfg(feature = "server")]
pub mod clock;
#[cfg(feature = "server")]
pub mod context;
#[cfg(feature = "server")]
mod core;
#[cfg(feature = "server")]
pub mod db;
#[cfg(feature = "server")]
pub mod events;
#[cfg(feature = "server")]
pub mod inventory;
#[cfg(feature = "server")]
pub mod live;
#[cfg(feature = "server")]
pub mod local_time;
#[cfg(feature = "server")]
pub mod notifications;
#[cfg(feature = "server")]
pub mod ratelimit;
#[cfg(feature = "server")]
pub mod search;
#[cfg(feature = "server")]
pub mod seed;
#[cfg(feature = "server")]
pub mod seed_history;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(feature = "server")]
pub mod tickets;
#[cfg(feature = "server")]
pub mod waitlist;

#[cfg(feature = "server")]
pub use crate::context::CoreSettings;
#[cfg(feature = "server")]
pub use crate::core::Core;
pub use error::{ApiError, ErrorCode};
