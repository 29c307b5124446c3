//! The reports' screens: the new-report form, the citizen's reports with
//! their timeline, and the map both use.
#![allow(non_snake_case)]

pub mod map;
pub mod report_form;
pub mod reports;
