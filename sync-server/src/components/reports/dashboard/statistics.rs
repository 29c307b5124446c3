//! A Comune's statistics: reports by category and status, and the median
//! waits for a first answer and for the fix (`crate::components::reports::stats`).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use casa_shared_model::IstatCode;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::pages::category_name;
use super::section as tab;
use crate::components::reports::stats::{ComuneStats, Period, Waits, STATUS_COLUMNS};
use crate::dashboard::i18n::{t, t_with};
use crate::dashboard::pages::{comune_nav, layout};
use crate::dashboard::{DashError, StaffSession};
use crate::platform::directory::ComuneEntry;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct StatsQuery {
    #[serde(default)]
    pub periodo: String,
}

pub async fn view(
    session: StaffSession,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Result<Response, DashError> {
    let comune = IstatCode::parse(&code).map_err(|_| DashError::NotFound)?;
    let directory = state.directory();
    let entry = directory.comune(&comune).ok_or(DashError::NotFound)?;
    if !session.staff.covers(&comune) {
        return Err(DashError::Forbidden);
    }
    let period = Period::parse(&q.periodo).ok_or_else(|| DashError::bad("rep-error-period"))?;
    let timings = state.store().report_timings(&comune, period.since(Utc::now())).await?;
    let stats = ComuneStats::from_timings(&timings);
    Ok(page(&session.staff, &session.session.csrf, entry, period, &stats).into_response())
}

/// A column of statistics: reports now in this status.
fn status_label(code: &str) -> String {
    t(match code {
        "in_moderation" => "rep-filter-in-moderation",
        "published" => "rep-filter-published",
        "assigned_to_department" => "rep-stats-assigned",
        "confirmed_by_inspector" => "rep-stats-confirmed",
        "in_progress" => "rep-filter-in-progress",
        "resolved" => "rep-filter-resolved",
        "closed" => "rep-stats-closed",
        "rejected" => "rep-filter-rejected",
        "duplicate_of" => "rep-stats-duplicates",
        _ => "rep-stats-other",
    })
}

/// A period as the clerk reads it ("last 30 days").
fn period_label(p: Period) -> String {
    match p {
        Period::Days(days) => t_with("rep-stats-period-days", &[("days", u32::from(days).into())]),
        Period::All => t("rep-stats-period-all"),
    }
}

/// A median wait, roughly: "3 days 4 h", "40 min".
fn wait_text(d: chrono::Duration) -> String {
    let minutes = d.num_minutes();
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (days, hours, mins) {
        (0, 0, 0) => t("rep-wait-under-a-minute"),
        (0, 0, m) => t_with("rep-wait-minutes", &[("m", m.into())]),
        (0, h, m) => t_with("rep-wait-hours", &[("h", h.into()), ("m", m.into())]),
        (d, h, _) => t_with("rep-wait-days", &[("d", d.into()), ("h", h.into())]),
    }
}

fn wait(w: Option<chrono::Duration>) -> String {
    w.map(wait_text).unwrap_or_else(|| "–".to_owned())
}

fn waits_cells(w: &Waits) -> Markup {
    html! {
        td { (wait(w.first_response)) @if w.answered > 0 { br; span class="small text-secondary" { (t_with("rep-stats-out-of", &[("n", w.answered.into())])) } } }
        td { (wait(w.resolution)) @if w.resolved > 0 { br; span class="small text-secondary" { (t_with("rep-stats-out-of", &[("n", w.resolved.into())])) } } }
    }
}

fn page(staff: &Staff, csrf: &str, comune: &ComuneEntry, period: Period, s: &ComuneStats) -> Markup {
    let count = |m: &std::collections::BTreeMap<&'static str, usize>, c: &str| m.get(c).copied().unwrap_or(0);
    layout(
        &format!("{} · {}", t("rep-tab-stats"), comune.name),
        Some((staff, csrf)),
        html! {
            (comune_nav(staff, &comune.istat_code, tab::STATS))
            h1 { (t("rep-tab-stats")) " · " (comune.name) }
            form method="get" class="filters row g-3 align-items-end mb-4" aria-label=(t("rep-stats-period")) {
                div class="col-md-4 form-group" {
                    label for="f-period" { (t("rep-stats-received")) }
                    select id="f-period" name="periodo" class="form-select" {
                        @for p in Period::CHOICES {
                            option value=(p.code()) selected[p == period] { (period_label(p)) }
                        }
                    }
                }
                div class="col-md-2" { button type="submit" class="btn btn-primary w-100" { (t("rep-show")) } }
            }
            div class="row g-4 mb-4" {
                div class="col-md-4" {
                    div class="card card-bg p-3" {
                        p class="h2 mb-0" id="stat-total" { (s.total) }
                        p class="mb-0" { (t_with("rep-stats-total", &[("period", period_label(period).into())])) }
                    }
                }
                div class="col-md-4" {
                    div class="card card-bg p-3" {
                        p class="h2 mb-0" id="stat-first-response" { (wait(s.waits.first_response)) }
                        p class="mb-0" { (t_with("rep-stats-median-first", &[("n", s.waits.answered.into())])) }
                    }
                }
                div class="col-md-4" {
                    div class="card card-bg p-3" {
                        p class="h2 mb-0" id="stat-resolution" { (wait(s.waits.resolution)) }
                        p class="mb-0" { (t_with("rep-stats-median-resolution", &[("n", s.waits.resolved.into())])) }
                    }
                }
            }
            p class="text-secondary small" {
                (t("rep-stats-note"))
            }
            @if s.total == 0 {
                p class="lead" role="status" { (t("rep-stats-empty")) }
            } @else {
                // Wider than a phone: a region that scrolls, reachable by keyboard.
                div class="table-responsive" tabindex="0" role="region" aria-label=(t("rep-stats-table-label")) {
                    table class="table table-sm" id="stats-table" {
                        caption { (t("rep-stats-caption")) }
                        thead {
                            tr {
                                th scope="col" { (t("rep-field-category")) }
                                th scope="col" { (t("rep-stats-col-total")) }
                                @for c in STATUS_COLUMNS { th scope="col" { (status_label(c)) } }
                                th scope="col" { (t("rep-stats-col-first")) }
                                th scope="col" { (t("rep-stats-col-resolution")) }
                            }
                        }
                        tbody {
                            @for c in &s.categories {
                                tr {
                                    th scope="row" { (category_name(comune, &c.category)) }
                                    td { (c.total) }
                                    @for col in STATUS_COLUMNS { td { (count(&c.by_status, col)) } }
                                    (waits_cells(&c.waits))
                                }
                            }
                        }
                        tfoot {
                            tr {
                                th scope="row" { (t("rep-filter-all")) }
                                td { (s.total) }
                                @for col in STATUS_COLUMNS { td { (count(&s.by_status, col)) } }
                                (waits_cells(&s.waits))
                            }
                        }
                    }
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn waits_read_like_a_clerk_would_say_them() {
        assert_eq!(wait_text(Duration::seconds(20)), "< 1 min");
        assert_eq!(wait_text(Duration::minutes(40)), "40 min");
        assert_eq!(wait_text(Duration::minutes(125)), "2 h 5 min");
        assert_eq!(wait_text(Duration::hours(76)), "3 g 4 h");
    }
}
