//! The citizen app's core, shared by the Dioxus app and the `casa` command
//! line: the offline store, the sync engine and the server's API client.
#![forbid(unsafe_code)]

pub mod client;
pub mod explain;
pub mod i18n;
pub mod photo;
pub mod platform;
pub mod sections;
pub mod services;
pub mod store;
pub mod suggest;
pub mod sync;
pub mod upload;

/// The inspector mode, a service of its own (`services::inspector`).
pub use services::inspector;

#[cfg(feature = "gui")]
pub mod app;

pub use client::{Client, ClientError};
pub use store::{LocalReport, LocalStore, StoreError};
pub use sync::{sync, SyncFailure, SyncOptions, SyncProgress, SyncSummary};
