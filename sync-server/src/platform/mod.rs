//! The platform core every component builds on: the application state and
//! its configuration, errors, staff and device authentication, the directory
//! of Comuni, metrics, the photo store and uploads, the delivery outbox, the
//! HTTP surface that mounts the components, and the sync protocol.

pub mod api_keys;
pub mod auth;
pub mod client_ip;
pub mod config;
pub mod delivery;
pub mod device;
pub mod directory;
pub mod error;
pub mod images;
pub mod login_throttle;
pub mod metrics;
pub mod openapi;
pub mod photos;
pub mod ratelimit;
pub mod routes;
pub mod seed;
pub mod server;
pub mod staff;
pub mod state;
pub mod sync;
pub mod tus_store;
pub mod uploads;
