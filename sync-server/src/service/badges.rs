//! Badges for verified results: awarded when a report of the device is
//! accepted by a moderator, confirmed by an inspector or resolved, when a
//! signature of it counts or a proposal of it reaches a threshold, and
//! only where the Comune of that result runs badges (the `gamification`
//! service). Levels are recounted from the stored facts each time, so an
//! award missed once comes with the next result, and a result seen twice
//! awards nothing new.

use casa_shared_model::badge::{BadgeAward, BadgeKind};
use casa_shared_model::{DeviceId, IstatCode, ReportId, Service};
use chrono::Utc;

use super::ServiceError;
use crate::state::AppState;

fn runs_badges(state: &AppState, comune: &IstatCode) -> bool {
    state.directory().comune(comune).is_some_and(|c| c.services.contains(&Service::Gamification))
}

/// Awards what the device's results now earn, in the name of `comune`.
/// Returns the badges that are new.
pub async fn award(state: &AppState, device: &DeviceId, comune: &IstatCode) -> Result<Vec<(BadgeKind, u32)>, ServiceError> {
    if !runs_badges(state, comune) {
        return Ok(Vec::new());
    }
    let store = state.store();
    let r = store.device_results(device).await?;
    let now = Utc::now();
    let mut new = Vec::new();
    for (kind, count) in [
        (BadgeKind::AcceptedReports, r.accepted),
        (BadgeKind::ConfirmedReports, r.confirmed),
        (BadgeKind::ResolvedReports, r.resolved),
        (BadgeKind::ActiveComuni, r.comuni),
        (BadgeKind::PetitionSigner, r.signatures),
        (BadgeKind::PetitionThreshold, r.petitions_reached),
    ] {
        for level in kind.earned(count) {
            if store.award_badge(device, kind, level, comune, now).await? {
                new.push((kind, level));
            }
        }
    }
    Ok(new)
}

/// After a report reached a verified result: its device may earn badges.
/// A failure is logged, not passed on: the status change stands, and the
/// next result recounts everything.
pub async fn report_verified(state: &AppState, id: &ReportId) {
    let result = async {
        let Some(report) = state.store().report(id).await? else { return Ok(Vec::new()) };
        let Some(device) = report.device_id else { return Ok(Vec::new()) };
        award(state, &device, &report.comune).await
    };
    match result.await {
        Ok(new) => {
            for (kind, level) in new {
                tracing::info!(report = %id, badge = kind.as_str(), level, "badge awarded");
            }
        }
        Err(e) => tracing::warn!(error = %e, report = %id, "badges not awarded; the next result recounts"),
    }
}

/// The device's badges, where their Comune runs badges.
pub async fn for_device(state: &AppState, device: &DeviceId) -> Result<Vec<BadgeAward>, ServiceError> {
    Ok(state
        .store()
        .badges(device)
        .await?
        .into_iter()
        .filter(|a| runs_badges(state, &a.comune))
        .map(|a| BadgeAward { badge: a.badge, level: a.level, awarded_at: a.awarded_at })
        .collect())
}
