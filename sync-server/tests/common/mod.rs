//! The shared test harness lives in `casa-e2e` (fresh databases, servers on
//! port 0, test data), so the app's tests use the very same one.
#![allow(unused_imports)]

pub use casa_e2e::db::*;
pub use casa_e2e::on_both_databases;
