//! The report page's "site inspection" part: who was asked to check the
//! report on site, what they found, and the form a moderator uses to ask.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;

use super::{done, report_id};
use crate::components::reports::inspection;
use crate::components::reports::service;
use crate::dashboard::i18n::{self, t, t_with};
use crate::dashboard::{parse_form, DashError, StaffSession};
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
            h2 id="inspection-title" class="h4" { (t("rep-inspection-heading")) }
            @if let Some(a) = &assignment {
                p {
                    (t_with("rep-inspection-asked", &[("inspector", a.inspector.email.as_str().into()), ("when", i18n::when(a.assigned_at).into()), ("by", a.assigned_by.as_str().into())]))
                    @if a.done_at.is_none() { " · " (t("rep-inspection-waiting")) }
                }
                @if let Some(i) = &a.instructions { p class="text-secondary" { (t("rep-inspection-instructions")) " «" (i) "»" } }
            }
            @if !visits.is_empty() {
                ul class="list-unstyled" {
                    @for v in &visits {
                        li class="mb-3" {
                            @match v.outcome {
                                InspectionOutcome::Confirmed => span class="badge bg-success" { (outcome(v.outcome)) },
                                InspectionOutcome::NotFound => span class="badge bg-warning text-dark" { (outcome(v.outcome)) },
                            }
                            " " (i18n::when(v.inspected_at)) " (UTC), " (v.inspector.email)
                            br;
                            (t_with("rep-inspection-distance", &[("distance", format!("{:.0}", v.distance_m).into()), ("accuracy", format!("{:.0}", v.accuracy_m).into())]))
                            @if v.outcome == InspectionOutcome::NotFound && v.distance_m + v.accuracy_m > CONFIRM_RADIUS_M {
                                " " (t_with("rep-inspection-far", &[("radius", format!("{CONFIRM_RADIUS_M:.0}").into())]))
                            }
                            @if let Some(n) = &v.note { br; "«" (n) "»" }
                            @if let Some(sha) = &v.photo {
                                br;
                                a href={ "/dashboard/photos/" (sha) } {
                                    img src={ "/dashboard/photos/" (sha) } alt=(t("rep-inspection-photo-alt")) loading="lazy" style="max-width: 240px";
                                }
                            }
                        }
                    }
                }
            }
            @if can_assign {
                @if inspectors.is_empty() {
                    p class="text-secondary" { (t("rep-inspection-no-inspectors")) }
                } @else {
                    form method="post" action={ "/dashboard/reports/" (r.id) "/inspector" } class="row g-2" {
                        input type="hidden" name="csrf" value=(csrf);
                        div class="col-md-4" {
                            label for="inspector" class="form-label d-block" { (t("rep-inspection-inspector")) }
                            select id="inspector" name="inspector" class="form-select" required {
                                @for i in &inspectors {
                                    option value=(i.email) selected[assignment.as_ref().is_some_and(|a| a.inspector.id == i.id)] { (i.email) }
                                }
                            }
                        }
                        div class="col-md-8" {
                            label for="instructions" class="form-label d-block" { (t("rep-inspection-instructions-field")) }
                            input type="text" id="instructions" name="instructions" class="form-control" maxlength="500" autocomplete="off";
                        }
                        div class="col-12" {
                            button type="submit" class="btn btn-outline-primary" {
                                @if assignment.is_some() { (t("rep-inspection-ask-again")) } @else { (t("rep-inspection-ask")) }
                            }
                        }
                    }
                }
            }
        }
    })
}

fn outcome(o: InspectionOutcome) -> String {
    t(match o {
        InspectionOutcome::Confirmed => "rep-inspection-confirmed",
        InspectionOutcome::NotFound => "rep-inspection-not-found",
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
