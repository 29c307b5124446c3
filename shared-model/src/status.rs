//! The life of a report, from the phone to its resolution.

use serde::{Deserialize, Serialize};

use crate::ids::ReportId;

/// Reasons a moderator may give for rejecting a report: a fixed list, so
/// citizens read clear, polite and consistent answers (the dashboard offers
/// these; the admin API refuses any other text).
pub const REJECTION_REASONS: [&str; 6] = [
    "Contenuto offensivo o inappropriato",
    "Non è di competenza del Comune",
    "Segnalazione non chiara o incompleta",
    "Problema già risolto",
    "Contiene dati personali di altri",
    "Segnalazione di prova o scherzo",
];

/// Where a report stands. Each variant carries what the citizen needs to
/// understand it (a rejection's reason, the department in charge...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReportStatus {
    /// On the phone or in transit; the server never stores this state.
    Submitted,
    InModeration,
    Published,
    Rejected {
        reason: String,
    },
    AssignedToDepartment {
        department: String,
    },
    ConfirmedByInspector,
    InProgress,
    Resolved,
    Closed,
    DuplicateOf {
        /// Named apart from the `report_id` of a sync change, which carries a
        /// status flattened beside it.
        #[serde(rename = "original_id")]
        report_id: ReportId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cambio di stato non consentito: da «{from}» a «{to}» / status change not allowed: from {from} to {to}")]
pub struct InvalidTransition {
    pub from: &'static str,
    pub to: &'static str,
}

impl ReportStatus {
    /// Every status's code, in the order of a report's life: what a list of
    /// labels (a Fluent file) must cover.
    pub const CODES: [&'static str; 10] = [
        "submitted",
        "in_moderation",
        "published",
        "rejected",
        "assigned_to_department",
        "confirmed_by_inspector",
        "in_progress",
        "resolved",
        "closed",
        "duplicate_of",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            ReportStatus::Submitted => "submitted",
            ReportStatus::InModeration => "in_moderation",
            ReportStatus::Published => "published",
            ReportStatus::Rejected { .. } => "rejected",
            ReportStatus::AssignedToDepartment { .. } => "assigned_to_department",
            ReportStatus::ConfirmedByInspector => "confirmed_by_inspector",
            ReportStatus::InProgress => "in_progress",
            ReportStatus::Resolved => "resolved",
            ReportStatus::Closed => "closed",
            ReportStatus::DuplicateOf { .. } => "duplicate_of",
        }
    }

    /// The label a citizen or clerk reads, in Italian.
    pub fn label_it(&self) -> &'static str {
        match self {
            ReportStatus::Submitted => "Inviata",
            ReportStatus::InModeration => "In moderazione",
            ReportStatus::Published => "Pubblicata",
            ReportStatus::Rejected { .. } => "Respinta",
            ReportStatus::AssignedToDepartment { .. } => "Assegnata all'ufficio",
            ReportStatus::ConfirmedByInspector => "Confermata dal sopralluogo",
            ReportStatus::InProgress => "In lavorazione",
            ReportStatus::Resolved => "Risolta",
            ReportStatus::Closed => "Chiusa",
            ReportStatus::DuplicateOf { .. } => "Duplicata",
        }
    }

    pub fn label_en(&self) -> &'static str {
        match self {
            ReportStatus::Submitted => "Submitted",
            ReportStatus::InModeration => "In moderation",
            ReportStatus::Published => "Published",
            ReportStatus::Rejected { .. } => "Rejected",
            ReportStatus::AssignedToDepartment { .. } => "Assigned to a department",
            ReportStatus::ConfirmedByInspector => "Confirmed by an inspector",
            ReportStatus::InProgress => "In progress",
            ReportStatus::Resolved => "Resolved",
            ReportStatus::Closed => "Closed",
            ReportStatus::DuplicateOf { .. } => "Duplicate",
        }
    }

    /// Whether anyone may see the report (moderation hides the rest).
    pub fn is_public(&self) -> bool {
        matches!(
            self,
            ReportStatus::Published
                | ReportStatus::AssignedToDepartment { .. }
                | ReportStatus::ConfirmedByInspector
                | ReportStatus::InProgress
                | ReportStatus::Resolved
                | ReportStatus::Closed
        )
    }

    /// Open311's two-valued status.
    pub fn is_open(&self) -> bool {
        !matches!(self, ReportStatus::Resolved | ReportStatus::Closed | ReportStatus::Rejected { .. } | ReportStatus::DuplicateOf { .. })
    }

    /// The lifecycle's edges. Anything else is refused so that a
    /// double click or a stale dashboard cannot, say, reopen a rejected report.
    pub fn can_become(&self, next: &ReportStatus) -> bool {
        use ReportStatus::*;
        match (self, next) {
            (Submitted, InModeration) => true,
            (InModeration, Published | Rejected { .. } | DuplicateOf { .. } | AssignedToDepartment { .. }) => true,
            // An inspector may confirm a published report on site before any
            // department takes it on.
            (Published, AssignedToDepartment { .. } | ConfirmedByInspector | DuplicateOf { .. } | Rejected { .. } | Closed) => true,
            (
                AssignedToDepartment { .. },
                AssignedToDepartment { .. } | ConfirmedByInspector | InProgress | Resolved | DuplicateOf { .. } | Closed,
            ) => true,
            (ConfirmedByInspector, AssignedToDepartment { .. } | InProgress | Resolved | Closed) => true,
            (InProgress, Resolved | Closed | AssignedToDepartment { .. }) => true,
            // A citizen may reopen a resolved report; it goes back to the department.
            (Resolved, Closed | AssignedToDepartment { .. } | InProgress) => true,
            _ => false,
        }
    }

    pub fn transition(&self, next: ReportStatus) -> Result<ReportStatus, InvalidTransition> {
        if self.can_become(&next) {
            Ok(next)
        } else {
            Err(InvalidTransition { from: self.code(), to: next.code() })
        }
    }

    /// The free-text detail stored beside the code (reason or department).
    pub fn detail(&self) -> Option<String> {
        match self {
            ReportStatus::Rejected { reason } => Some(reason.clone()),
            ReportStatus::AssignedToDepartment { department } => Some(department.clone()),
            ReportStatus::DuplicateOf { report_id } => Some(report_id.to_string()),
            _ => None,
        }
    }

    /// Rebuilds a status from its stored code and detail.
    pub fn from_parts(code: &str, detail: Option<&str>) -> Option<ReportStatus> {
        use ReportStatus::*;
        Some(match code {
            "submitted" => Submitted,
            "in_moderation" => InModeration,
            "published" => Published,
            "rejected" => Rejected { reason: detail.unwrap_or_default().to_owned() },
            "assigned_to_department" => AssignedToDepartment { department: detail?.to_owned() },
            "confirmed_by_inspector" => ConfirmedByInspector,
            "in_progress" => InProgress,
            "resolved" => Resolved,
            "closed" => Closed,
            "duplicate_of" => DuplicateOf { report_id: ReportId::parse(detail?).ok()? },
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus::*;

    fn all() -> Vec<ReportStatus> {
        vec![
            Submitted,
            InModeration,
            Published,
            Rejected { reason: "offensiva".into() },
            AssignedToDepartment { department: "lavori_pubblici".into() },
            ConfirmedByInspector,
            InProgress,
            Resolved,
            Closed,
            DuplicateOf { report_id: ReportId::new() },
        ]
    }

    #[test]
    fn the_list_of_codes_is_every_status_s_code_once() {
        let codes: Vec<&str> = all().iter().map(ReportStatus::code).collect();
        assert_eq!(codes, ReportStatus::CODES);
    }

    #[test]
    fn every_status_survives_the_trip_through_code_and_detail() {
        for s in all() {
            assert_eq!(ReportStatus::from_parts(s.code(), s.detail().as_deref()), Some(s.clone()));
        }
    }

    #[test]
    fn a_report_in_moderation_can_be_published_but_a_rejected_one_cannot() {
        assert!(InModeration.transition(Published).is_ok());
        let err = Rejected { reason: "x".into() }.transition(Published).expect_err("terminal");
        assert_eq!(err.from, "rejected");
    }

    #[test]
    fn closed_rejected_and_duplicate_reports_are_terminal() {
        for terminal in [Closed, Rejected { reason: "x".into() }, DuplicateOf { report_id: ReportId::new() }] {
            assert!(all().iter().all(|next| !terminal.can_become(next)), "{terminal:?}");
        }
    }

    #[test]
    fn the_wire_form_is_tagged_by_status() {
        let json = serde_json::to_value(Rejected { reason: "offensiva".into() }).expect("json");
        assert_eq!(json, serde_json::json!({"status": "rejected", "reason": "offensiva"}));
    }
}
