//! Reusable pieces of pages.

pub mod chart;
pub mod event_card;
pub mod forms;
pub mod head;
pub mod layout;
