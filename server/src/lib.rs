//! The Evently server: configuration, the axum router (pages, server functions, REST API,
//! health, metrics, static files), background workers and the operator commands.
#![recursion_limit = "256"]

pub mod api;
pub mod assets;
pub mod auth;
pub mod cache_policy;
pub mod client;
pub mod commands;
pub mod config;
pub mod error;
pub mod health;
pub mod live;
pub mod metrics;
pub mod middleware;
pub mod page_cache;
pub mod page_csp;
pub mod push_sink;
pub mod redis_link;
pub mod secrets;
pub mod seo;
pub mod smtp_sink;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workers;
