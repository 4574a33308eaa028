//! Judging a finished run for a learner, below the server so that the site and the CLI
//! (`pyguide check`, `pyguide inspect`) share one wording: an exercise's verdict
//! ([`exercise::check_exercise`]) and the plain words for how a run ended and for the limits.

pub mod exercise;
mod messages;

pub use messages::{limits_text, outcome_message};
