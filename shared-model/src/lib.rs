//! Casa del Cittadino: the domain shared by the citizen app and the sync server.
//!
//! No server, database or UI dependencies live here: only types, validation,
//! the sync wire format and the geo router, so that the phone and the server
//! agree on every rule by construction.
#![forbid(unsafe_code)]

pub mod badge;
pub mod category;
pub mod comune;
pub mod geo;
pub mod i18n;
pub mod ids;
pub mod inspection;
pub mod petition;
pub mod report;
pub mod status;
pub mod text;
pub mod wire;

pub use category::{CategoryCode, Service};
pub use comune::{Comune, IstatCode, TownCentre};
pub use ids::{DeviceId, PetitionId, ReportId};
pub use report::{NewReport, ReportError};
pub use status::ReportStatus;
