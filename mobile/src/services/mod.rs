//! The services on the phone, one folder each: its tables (an `impl
//! LocalStore` block over the core's store), its part of a sync (a
//! [`crate::sections::PhoneComponent`], listed in `sections::COMPONENTS`)
//! and its screens. The core (store and migrations, outbox, sync engine,
//! photo pipeline, platform seams) stays at the crate's top level.

pub mod badges;
pub mod inspector;
pub mod petitions;
pub mod reports;
