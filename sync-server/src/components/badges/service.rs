//! Badges for verified results: awarded when a report of the device is
//! accepted by a moderator, confirmed by an inspector or resolved, when a
//! signature of it counts or a proposal of it reaches a threshold, and
//! only where the Comune of that result runs badges (the `gamification`
//! service). Levels are recounted from the stored facts each time, so an
//! award missed once comes with the next result, and a result seen twice
//! awards nothing new.

use casa_shared_model::badge::{parse_nickname, BadgeAward, BadgeKind, Leaderboard, LeaderboardEntry, LeaderboardJoin};
use casa_shared_model::{DeviceId, IstatCode, ReportId, Service};
use chrono::Utc;

use crate::platform::error::{rejected, ServiceError};
use crate::platform::state::AppState;

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

/// Whether any Comune runs badges.
pub fn runs_anywhere(state: &AppState) -> bool {
    state.directory().comuni.values().any(|c| c.services.contains(&Service::Gamification))
}

/// The device's points: its verified results where the Comune of each runs badges.
pub async fn points(state: &AppState, device: &DeviceId) -> Result<u32, ServiceError> {
    // Asked on every sync: where no Comune runs badges, there is nothing to count.
    if !runs_anywhere(state) {
        return Ok(0);
    }
    let rows = state.store().results_by_comune(device).await?;
    Ok(rows.iter().filter(|(c, _)| runs_badges(state, c)).fold(0u32, |sum, (_, r)| sum.saturating_add(r.points())))
}

/// Rows a leaderboard shows.
pub const LEADERBOARD_SIZE: u32 = 20;

fn leaderboard_comune(state: &AppState, comune: &IstatCode) -> Result<String, ServiceError> {
    let name = state.directory().comune(comune).map(|c| c.name.clone()).ok_or(ServiceError::NotFound)?;
    if !runs_badges(state, comune) {
        return Err(rejected(
            "service_disabled",
            format!("Il Comune di {name} non ha la classifica: i badge non sono attivi / This Comune runs no leaderboard"),
        ));
    }
    Ok(name)
}

/// A Comune's leaderboard as of `now`, marking the asking phone's row.
pub async fn leaderboard(
    state: &AppState,
    comune: &IstatCode,
    device: Option<&DeviceId>,
    now: chrono::DateTime<Utc>,
) -> Result<Leaderboard, ServiceError> {
    let comune_name = leaderboard_comune(state, comune)?;
    // Results verified before today (UTC): the board changes once a day, so
    // a change cannot be matched to one public report turning resolved.
    let today = now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
    let rows = state.store().leaderboard(comune, today, LEADERBOARD_SIZE).await?;
    let joined_as = match device {
        Some(d) => state.store().leaderboard_nickname(comune, d).await?,
        None => None,
    };
    let entries = rows
        .into_iter()
        .enumerate()
        .map(|(i, (d, nickname, results))| LeaderboardEntry {
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
            nickname,
            results,
            me: device == Some(&d),
        })
        .collect();
    Ok(Leaderboard { comune: *comune, comune_name, entries, joined_as })
}

/// The phone joins under a nickname (or takes a new one).
pub async fn join_leaderboard(state: &AppState, comune: &IstatCode, join: &LeaderboardJoin) -> Result<Leaderboard, ServiceError> {
    leaderboard_comune(state, comune)?;
    let nickname = parse_nickname(&join.nickname).map_err(|e| rejected("invalid_nickname", e.to_string()))?;
    // Only a phone with a verified result here: nicknames cannot be
    // hoarded with made-up phones.
    if state.store().verified_results_in(comune, &join.device_id).await? == 0 {
        return Err(rejected(
            "no_results_here",
            "Si entra in classifica con una prima segnalazione confermata o risolta in questo Comune / Join once a report of yours here is confirmed or resolved",
        ));
    }
    if !state.store().join_leaderboard(comune, &join.device_id, &nickname, Utc::now()).await? {
        return Err(rejected(
            "nickname_taken",
            format!("Il soprannome «{nickname}» è già usato in questo Comune: scegline un altro / Nickname already taken here"),
        ));
    }
    leaderboard(state, comune, Some(&join.device_id), Utc::now()).await
}

/// The phone leaves: it no longer appears.
pub async fn leave_leaderboard(state: &AppState, comune: &IstatCode, device: &DeviceId) -> Result<Leaderboard, ServiceError> {
    leaderboard_comune(state, comune)?;
    state.store().leave_leaderboard(comune, device).await?;
    leaderboard(state, comune, Some(device), Utc::now()).await
}
