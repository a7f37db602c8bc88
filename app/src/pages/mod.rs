//! One module per page.

pub mod account;
pub mod admin;
pub mod admin_user;
pub mod analytics;
pub mod auth;
pub mod bookings;
pub mod checkout;
pub mod event;
pub mod home;
pub mod not_found;
pub mod notifications;
pub mod organizer;
pub mod organizer_waitlist;
pub mod recovery;
pub mod search;
pub mod unsubscribe;
pub mod waitlist;
