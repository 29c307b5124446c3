//! The citizen app's core. For now: the client of the server's sync API,
//! shared by the app, the `casa` command line and the server's tests.
#![forbid(unsafe_code)]

pub mod client;

pub use client::{Client, ClientError};
