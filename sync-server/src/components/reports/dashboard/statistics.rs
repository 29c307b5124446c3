//! A Comune's statistics: reports by category and status, and the median
//! waits for a first answer and for the fix (`crate::components::reports::stats`).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use casa_shared_model::IstatCode;
use chrono::Utc;
use maud::{html, Markup};
use serde::Deserialize;

use super::pages::{comune_nav, layout, Section};
use super::{DashError, StaffSession};
use crate::components::reports::stats::{format_wait, ComuneStats, Period, Waits, STATUS_COLUMNS};
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
    let period = Period::parse(&q.periodo)
        .ok_or_else(|| DashError::BadRequest("Periodo non valido: 30, 90, 365 giorni o all / Invalid period".into()))?;
    let timings = state.store().report_timings(&comune, period.since(Utc::now())).await?;
    let stats = ComuneStats::from_timings(&timings);
    Ok(page(&session.staff, &session.session.csrf, entry, period, &stats).into_response())
}

fn status_label(code: &str) -> &'static str {
    match code {
        "in_moderation" => "In moderazione",
        "published" => "Pubblicate",
        "assigned_to_department" => "Assegnate",
        "confirmed_by_inspector" => "Confermate",
        "in_progress" => "In lavorazione",
        "resolved" => "Risolte",
        "closed" => "Chiuse",
        "rejected" => "Respinte",
        "duplicate_of" => "Duplicate",
        _ => "Altro",
    }
}

fn wait(w: Option<chrono::Duration>) -> String {
    w.map(format_wait).unwrap_or_else(|| "–".to_owned())
}

fn waits_cells(w: &Waits) -> Markup {
    html! {
        td { (wait(w.first_response)) @if w.answered > 0 { br; span class="small text-secondary" { "su " (w.answered) } } }
        td { (wait(w.resolution)) @if w.resolved > 0 { br; span class="small text-secondary" { "su " (w.resolved) } } }
    }
}

fn page(staff: &Staff, csrf: &str, comune: &ComuneEntry, period: Period, s: &ComuneStats) -> Markup {
    let code = comune.istat_code.as_str();
    let count = |m: &std::collections::BTreeMap<&'static str, usize>, c: &str| m.get(c).copied().unwrap_or(0);
    layout(
        &format!("Statistiche · {}", comune.name),
        Some((staff, csrf)),
        html! {
            (comune_nav(staff, code, Section::Stats))
            h1 { "Statistiche · " (comune.name) }
            form method="get" class="filters row g-3 align-items-end mb-4" aria-label="Periodo" {
                div class="col-md-4 form-group" {
                    label for="f-period" { "Segnalazioni ricevute" }
                    select id="f-period" name="periodo" class="form-select" {
                        @for p in Period::CHOICES {
                            option value=(p.code()) selected[p == period] { (p.label_it()) }
                        }
                    }
                }
                div class="col-md-2" { button type="submit" class="btn btn-primary w-100" { "Mostra" } }
            }
            div class="row g-4 mb-4" {
                div class="col-md-4" {
                    div class="card card-bg p-3" {
                        p class="h2 mb-0" id="stat-total" { (s.total) }
                        p class="mb-0" { "segnalazioni ricevute (" (period.label_it()) ")" }
                    }
                }
                div class="col-md-4" {
                    div class="card card-bg p-3" {
                        p class="h2 mb-0" id="stat-first-response" { (wait(s.waits.first_response)) }
                        p class="mb-0" { "tempo mediano alla prima risposta (su " (s.waits.answered) ")" }
                    }
                }
                div class="col-md-4" {
                    div class="card card-bg p-3" {
                        p class="h2 mb-0" id="stat-resolution" { (wait(s.waits.resolution)) }
                        p class="mb-0" { "tempo mediano alla risoluzione (su " (s.waits.resolved) ")" }
                    }
                }
            }
            p class="text-secondary small" {
                "Prima risposta: pubblicazione, rifiuto, duplicato o assegnazione. I tempi partono dall'arrivo della segnalazione al server."
            }
            @if s.total == 0 {
                p class="lead" role="status" { "Nessuna segnalazione in questo periodo." }
            } @else {
                // Wider than a phone: a region that scrolls, reachable by keyboard.
                div class="table-responsive" tabindex="0" role="region" aria-label="Tabella delle statistiche per categoria" {
                    table class="table table-sm" id="stats-table" {
                        caption { "Segnalazioni per categoria e stato, e tempi mediani" }
                        thead {
                            tr {
                                th scope="col" { "Categoria" }
                                th scope="col" { "Totale" }
                                @for c in STATUS_COLUMNS { th scope="col" { (status_label(c)) } }
                                th scope="col" { "Prima risposta" }
                                th scope="col" { "Risoluzione" }
                            }
                        }
                        tbody {
                            @for c in &s.categories {
                                tr {
                                    th scope="row" { (comune.category(&c.category).map(|x| x.name_it.as_str()).unwrap_or(&c.category)) }
                                    td { (c.total) }
                                    @for col in STATUS_COLUMNS { td { (count(&c.by_status, col)) } }
                                    (waits_cells(&c.waits))
                                }
                            }
                        }
                        tfoot {
                            tr {
                                th scope="row" { "Tutte" }
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
