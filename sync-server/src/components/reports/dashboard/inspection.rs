//! The report page's "site inspection" part: who was asked to check the
//! report on site, what they found, and the form a moderator uses to ask.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;

use super::{done, parse_form, report_id, DashError, StaffSession};
use crate::components::reports::inspection;
use crate::components::reports::service;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::ReportRecord;
use casa_shared_model::inspection::{InspectionOutcome, CONFIRM_RADIUS_M};
use casa_shared_model::ReportStatus;

/// The section, for staff who may see the report.
pub async fn section(state: &AppState, staff: &Staff, csrf: &str, r: &ReportRecord) -> Result<Markup, DashError> {
    let store = state.store();
    let assignment = store.inspection_assignment(&r.id).await?;
    let visits = store.inspections(&r.id).await?;
    let can_assign =
        staff.can_moderate(&r.comune) && matches!(r.status, ReportStatus::Published | ReportStatus::AssignedToDepartment { .. });
    let inspectors = if can_assign { store.inspectors(&r.comune).await? } else { Vec::new() };
    if assignment.is_none() && visits.is_empty() && !can_assign {
        return Ok(html! {});
    }
    Ok(html! {
        section aria-labelledby="inspection-title" class="mt-4" {
            h2 id="inspection-title" class="h4" { "Sopralluogo" }
            @if let Some(a) = &assignment {
                p {
                    "Richiesto a " strong { (a.inspector.email) } " il " (a.assigned_at.format("%d/%m/%Y %H:%M")) " (UTC) da " (a.assigned_by)
                    @if a.done_at.is_none() { " · in attesa della visita" }
                }
                @if let Some(i) = &a.instructions { p class="text-secondary" { "Indicazioni: «" (i) "»" } }
            }
            @if !visits.is_empty() {
                ul class="list-unstyled" {
                    @for v in &visits {
                        li class="mb-3" {
                            @match v.outcome {
                                InspectionOutcome::Confirmed => span class="badge bg-success" { (v.outcome.label_it()) },
                                InspectionOutcome::NotFound => span class="badge bg-warning text-dark" { (v.outcome.label_it()) },
                            }
                            " " (v.inspected_at.format("%d/%m/%Y %H:%M")) " (UTC), " (v.inspector.email)
                            br;
                            "A " (format!("{:.0}", v.distance_m)) " m dal punto segnalato, precisione GPS ±" (format!("{:.0}", v.accuracy_m)) " m"
                            @if v.outcome == InspectionOutcome::NotFound && v.distance_m + v.accuracy_m > CONFIRM_RADIUS_M {
                                " (oltre " (format!("{CONFIRM_RADIUS_M:.0}")) " m: valuta se la verifica è attendibile)"
                            }
                            @if let Some(n) = &v.note { br; "«" (n) "»" }
                            @if let Some(sha) = &v.photo {
                                br;
                                a href={ "/dashboard/photos/" (sha) } {
                                    img src={ "/dashboard/photos/" (sha) } alt="Foto del sopralluogo" loading="lazy" style="max-width: 240px";
                                }
                            }
                        }
                    }
                }
            }
            @if can_assign {
                @if inspectors.is_empty() {
                    p class="text-secondary" { "Nessun ispettore abilitato per questo Comune." }
                } @else {
                    form method="post" action={ "/dashboard/reports/" (r.id) "/inspector" } class="row g-2" {
                        input type="hidden" name="csrf" value=(csrf);
                        div class="col-md-4" {
                            label for="inspector" class="form-label d-block" { "Ispettore" }
                            select id="inspector" name="inspector" class="form-select" required {
                                @for i in &inspectors {
                                    option value=(i.email) selected[assignment.as_ref().is_some_and(|a| a.inspector.id == i.id)] { (i.email) }
                                }
                            }
                        }
                        div class="col-md-8" {
                            label for="instructions" class="form-label d-block" { "Indicazioni (facoltative)" }
                            input type="text" id="instructions" name="instructions" class="form-control" maxlength="500" autocomplete="off";
                        }
                        div class="col-12" {
                            button type="submit" class="btn btn-outline-primary" {
                                @if assignment.is_some() { "Richiedi un nuovo sopralluogo" } @else { "Richiedi sopralluogo" }
                            }
                        }
                    }
                }
            }
        }
    })
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    inspector: String,
    #[serde(default)]
    instructions: String,
}

pub async fn assign(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: AssignForm = parse_form(&body)?;
    session.check_csrf(&form.csrf)?;
    let id = report_id(&id)?;
    service::dashboard_report(&state, &session.staff, &id).await?;
    inspection::assign_inspector(&state, &session.staff, &id, &form.inspector, Some(&form.instructions)).await?;
    Ok(done(&id, "sopralluogo"))
}
