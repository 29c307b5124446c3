//! Reports (segnalazioni) on the phone: their tables (`store`: a capture
//! and its outbox entry written together, the timeline, reopen requests;
//! `map`: public reports nearby, the Comuni's outlines, followed reports)
//! and their screens (`screens`: the form, the citizen's reports, the map).
//!
//! Their part of a sync stays in the sync engine (`crate::sync`,
//! `LocalStore::apply_response`): the outbox's answers, the reports' status
//! changes and the cursor are written in one transaction, so a crash
//! re-sends or re-pulls the same things and never skips one.

pub(crate) mod map;
#[cfg(feature = "gui")]
pub mod screens;
pub(crate) mod store;

pub use store::{ItemError, LocalReport, ReopenRefused, ReportEvent, Step};
