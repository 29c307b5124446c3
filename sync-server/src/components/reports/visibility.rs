//! Who may see which report, in one place (issue 14, points 8 and 9).
//!
//! - The public (the native `GET /api/v1/reports/{id}`, the map's "nearby",
//!   Open311's `GET requests` and `GET requests/{id}`) sees a report only
//!   while [`is_public`]: once a moderator has let it out and not rejected
//!   it. Anything else answers 404, the same as an id never used, so that
//!   what waits for moderation (exact position, address, text the citizen
//!   may not have meant to publish) and rejection reasons stay inside.
//! - Staff (the dashboard and the JSON admin API alike) read a report when
//!   [`Staff::may_read`] says so, and the moderation queue when
//!   [`Staff::may_see_queue`] does. Each surface only chooses how to say no:
//!   the dashboard tells a clerk who followed a link that the report is not
//!   theirs (403), the API answers 404 so ids cannot be probed.

use casa_shared_model::{IstatCode, ReportId};

use crate::platform::auth::Role;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::{ReportRecord, StoreError};

/// Whether anyone may see the report.
pub fn is_public(report: &ReportRecord) -> bool {
    report.status.is_public()
}

/// The report with this id if the public may see it; none for an unknown
/// id and for one that is not public alike.
pub async fn public_report(state: &AppState, id: &ReportId) -> Result<Option<ReportRecord>, StoreError> {
    Ok(state.store().report(id).await?.filter(is_public))
}

impl Staff {
    /// Whether this staff member may read the report. Admins read every
    /// report, moderators and inspectors those of their Comuni. An operator
    /// reads only their Comuni's reports handed to their own department once
    /// public: what waits for moderation may hold what the citizen did not
    /// mean to make public, a rejected one is no office's work, and another
    /// office's reports are not theirs to see.
    pub fn may_read(&self, report: &ReportRecord) -> bool {
        match self.role {
            Role::Operator => self.works_on(&report.comune, &report.department) && is_public(report),
            Role::Admin | Role::Moderator | Role::Inspector => self.covers(&report.comune),
        }
    }

    /// Whether this staff member may see the Comune's moderation queue:
    /// those who moderate it (its moderators and admins), not its offices
    /// nor its inspectors.
    pub fn may_see_queue(&self, comune: &IstatCode) -> bool {
        self.can_moderate(comune)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use casa_shared_model::ReportStatus;

    fn example(comune: IstatCode, department: &str, status: ReportStatus) -> ReportRecord {
        let now = chrono::Utc::now();
        ReportRecord {
            id: ReportId::new(),
            device_id: None,
            source: crate::store::ReportSource::App,
            comune,
            category: "road_damage".into(),
            department: department.into(),
            description: "Buca".into(),
            lat: 41.12,
            lon: 16.87,
            accuracy_m: 5.0,
            address: None,
            captured_at: now,
            received_at: now,
            updated_at: now,
            photos: Vec::new(),
            media_url: None,
            routing_method: "inside".into(),
            routing_distance_m: None,
            status,
        }
    }

    /// Every status the server stores.
    fn statuses() -> Vec<ReportStatus> {
        vec![
            ReportStatus::InModeration,
            ReportStatus::Published,
            ReportStatus::Rejected { reason: "Segnalazione di prova o scherzo".into() },
            ReportStatus::AssignedToDepartment { department: "lavori_pubblici".into() },
            ReportStatus::ConfirmedByInspector,
            ReportStatus::InProgress,
            ReportStatus::Resolved,
            ReportStatus::Closed,
            ReportStatus::DuplicateOf { report_id: ReportId::new() },
        ]
    }

    #[test]
    fn the_public_status_list_that_searches_filter_on_is_exactly_the_public_rule() {
        // Lists (nearby, Open311) filter in SQL by code; single reports by
        // `is_public`: the two must never drift apart.
        for s in statuses() {
            assert_eq!(crate::components::reports::service::PUBLIC_STATUSES.contains(&s.code()), s.is_public(), "{}", s.code());
        }
    }

    #[test]
    fn an_operator_reads_only_public_reports_of_their_own_office_and_never_the_queue() {
        let bari = IstatCode::parse("072006").expect("code");
        let staff = |role: Role, department: Option<&str>| Staff {
            id: uuid::Uuid::now_v7(),
            email: "x@comune.bari.it".into(),
            role,
            comuni: vec![bari],
            department: department.map(str::to_owned),
        };
        let operator = staff(Role::Operator, Some("lavori_pubblici"));
        let moderator = staff(Role::Moderator, None);
        let inspector = staff(Role::Inspector, None);
        let report = |status: ReportStatus, department: &str| example(bari, department, status);
        for s in statuses() {
            let own = report(s.clone(), "lavori_pubblici");
            assert_eq!(operator.may_read(&own), s.is_public(), "{}", s.code());
            assert!(!operator.may_read(&report(s.clone(), "ambiente")), "another office's: {}", s.code());
            assert!(moderator.may_read(&own) && inspector.may_read(&own));
        }
        let elsewhere = example(IstatCode::parse("072030").expect("code"), "lavori_pubblici", ReportStatus::Published);
        assert!(!operator.may_read(&elsewhere) && !moderator.may_read(&elsewhere));
        assert!(moderator.may_see_queue(&bari));
        assert!(!operator.may_see_queue(&bari) && !inspector.may_see_queue(&bari));
    }
}
