//! Keeping the site available to everyone: who a client is, and how run slots and connections
//! are shared among clients.

mod settings;

pub use settings::Availability;
