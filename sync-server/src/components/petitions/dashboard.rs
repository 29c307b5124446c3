//! Petitions for a Comune's moderators: the list by status with the
//! Comune's rules, and a petition's page where proposals are opened or
//! rejected, the official answer is published, and signatures are reviewed
//! (bursts, phones shared by many people) and invalidated after a preview.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use casa_shared_model::petition::{cosponsors_found, PetitionRules, PetitionStatus};
use casa_shared_model::{DeviceId, IstatCode, PetitionId};
use chrono::{DateTime, NaiveDateTime, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::service::{self as petitions, Decision, SignatureReview, MODERATION_ORDER};
use crate::dashboard::i18n::{self, t, t_with};
use crate::dashboard::pages::{comune_nav, layout};
use crate::dashboard::{error_text, parse_form, DashError, StaffSession};
use crate::platform::directory::ComuneEntry;
use crate::platform::staff::Staff;
use crate::platform::state::AppState;
use crate::store::{PetitionEvent, PetitionRecord, SignatureSelection};

const LIST_LIMIT: u32 = 200;

/// The petitions' tab of a Comune's dashboard.
pub const SECTION: &str = "petitions";

/// For those who moderate the Comune.
pub fn tabs(staff: &Staff, comune: &IstatCode) -> Vec<crate::components::Tab> {
    if !staff.can_moderate(comune) {
        return Vec::new();
    }
    vec![crate::components::Tab { section: SECTION, label: "pet-tab", href: format!("/dashboard/comuni/{}/petizioni", comune.as_str()) }]
}

fn status_label(s: &PetitionStatus) -> String {
    t(&format!("pet-status-{}", s.code()))
}

fn threshold_label(k: casa_shared_model::petition::ThresholdKind) -> String {
    t(match k {
        casa_shared_model::petition::ThresholdKind::Response => "pet-threshold-response",
        casa_shared_model::petition::ThresholdKind::Debate => "pet-threshold-debate",
    })
}

/// The petitions' pages under `/dashboard`.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/comuni/{istat_code}/petizioni", get(list))
        .route("/comuni/{istat_code}/petizioni/regole", post(set_rules))
        .route("/petizioni/{id}", get(view))
        .route("/petizioni/{id}/decisione", post(decide))
        .route("/petizioni/{id}/annulla", get(preview).post(invalidate))
}

fn petition_id(s: &str) -> Result<PetitionId, DashError> {
    PetitionId::parse(s).map_err(|_| DashError::NotFound)
}

/// The time a `datetime-local` field sends, in Europe/Rome time as the
/// pages show it.
fn parse_local(s: &str) -> Result<Option<DateTime<Utc>>, DashError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()
        .and_then(crate::dashboard::i18n::from_local)
        .map(Some)
        .ok_or_else(|| DashError::BadRequest(t_with("pet-error-date", &[("value", s.into())])))
}

fn local_value(t: Option<DateTime<Utc>>) -> String {
    t.map(crate::dashboard::i18n::to_local).unwrap_or_default()
}

fn comune_of(state: &AppState, staff: &Staff, code: &str) -> Result<IstatCode, DashError> {
    let comune = IstatCode::parse(code).map_err(|_| DashError::NotFound)?;
    if state.directory().comune(&comune).is_none() {
        return Err(DashError::NotFound);
    }
    if !staff.can_moderate(&comune) {
        return Err(DashError::Forbidden);
    }
    Ok(comune)
}

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    fatto: String,
}

/// `GET /dashboard/comuni/{istat}/petizioni`
pub async fn list(
    session: StaffSession,
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, DashError> {
    let comune = comune_of(&state, &session.staff, &code)?;
    let petitions = state.store().petitions(&comune, &MODERATION_ORDER, LIST_LIMIT).await?;
    let directory = state.directory();
    let entry = directory.comune(&comune).ok_or(DashError::NotFound)?;
    Ok(list_page(&session.staff, &session.session.csrf, entry, &petitions, &done.fatto).into_response())
}

fn signatures(n: u32) -> String {
    t_with("pet-signatures", &[("n", n.into())])
}

/// What an event's detail says, for people: never a citizen's id.
fn event_detail(e: &PetitionEvent) -> Option<String> {
    match (e.event.as_str(), e.detail.as_deref()?) {
        ("threshold_reached", _) => None,
        (_, d) if d.starts_with("citizen") => Some(t("pet-event-by-citizen")),
        (_, "closing_date") => Some(t("pet-event-closing-date")),
        (_, "expired") => Some(t("pet-event-expired")),
        (_, d) => Some(d.to_owned()),
    }
}

fn progress(p: &PetitionRecord) -> Markup {
    html! {
        @if p.status.before_opening() {
            (t_with("pet-cosponsors-found", &[("found", cosponsors_found(p.signatures, p.cosponsors).into()), ("needed", p.cosponsors.into())]))
        } @else {
            (signatures(p.signatures))
            @for th in &p.thresholds {
                br;
                span class="small text-secondary" {
                    (threshold_label(th.kind)) ": " (th.signatures)
                    @if th.reached_at.is_some() { " · " (t("pet-threshold-reached")) }
                }
            }
        }
    }
}

fn list_page(staff: &Staff, csrf: &str, comune: &ComuneEntry, list: &[PetitionRecord], done: &str) -> Markup {
    let code = comune.istat_code.as_str();
    let rules = comune.petition_rules;
    let waiting = list.iter().filter(|p| p.status == PetitionStatus::InModeration).count();
    layout(
        &format!("{} · {}", t("pet-tab"), comune.name),
        Some((staff, csrf)),
        html! {
            (comune_nav(staff, &comune.istat_code, SECTION))
            h1 { (t("pet-tab")) " · " (comune.name) }
            @if done == "regole" {
                div class="alert alert-success" role="status" { (t("pet-rules-saved")) }
            }
            @if !comune.services.contains(&casa_shared_model::Service::Petitions) {
                div class="alert alert-warning" role="status" { (t("pet-service-off")) }
            }
            p class="lead" role="status" {
                (t_with("pet-waiting", &[("n", waiting.into())]))
            }
            @if list.is_empty() {
                p { (t("pet-list-empty")) }
            } @else {
                div class="table-responsive" {
                    table class="table queue" id="petitions-table" {
                        caption { (t("pet-list-caption")) }
                        thead { tr { th scope="col" { (t("pet-col-petition")) } th scope="col" { (t("pet-field-status")) } th scope="col" { (t("pet-field-signatures")) } th scope="col" { (t("pet-col-created")) } } }
                        tbody {
                            @for p in list {
                                tr {
                                    td { a href={ "/dashboard/petizioni/" (p.id) } { (p.title) } }
                                    td { (status_label(&p.status)) }
                                    td { (progress(p)) }
                                    td { (i18n::when(p.created_at)) }
                                }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="rules-title" class="mt-5" {
                h2 id="rules-title" class="h4" { (t("pet-rules-heading")) }
                p { (t("pet-rules-intro")) }
                form method="post" action={ "/dashboard/comuni/" (code) "/petizioni/regole" } class="actions row g-3" {
                    input type="hidden" name="csrf" value=(csrf);
                    div class="col-md-3" {
                        label for="r-cosponsors" class="form-label d-block" { (t("pet-rules-cosponsors")) }
                        input type="number" id="r-cosponsors" name="cosponsors" class="form-control" min="1" max="100" value=(rules.cosponsors) required;
                    }
                    div class="col-md-3" {
                        label for="r-response" class="form-label d-block" { (t("pet-rules-response")) }
                        input type="number" id="r-response" name="response_threshold" class="form-control" min="10" value=(rules.response_threshold) required;
                    }
                    div class="col-md-3" {
                        label for="r-debate" class="form-label d-block" { (t("pet-rules-debate")) }
                        input type="number" id="r-debate" name="debate_threshold" class="form-control" min="11" value=(rules.debate_threshold) required;
                    }
                    div class="col-md-3" {
                        label for="r-months" class="form-label d-block" { (t("pet-rules-months")) }
                        input type="number" id="r-months" name="anonymise_after_months" class="form-control" min="1" max="60" value=(rules.anonymise_after_months) required;
                    }
                    div class="col-12" { button type="submit" class="btn btn-primary" { (t("pet-rules-save")) } }
                }
            }
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct RulesForm {
    csrf: String,
    cosponsors: u32,
    response_threshold: u32,
    debate_threshold: u32,
    anonymise_after_months: u32,
}

/// `POST /dashboard/comuni/{istat}/petizioni/regole`
pub async fn set_rules(
    session: StaffSession,
    State(state): State<AppState>,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: RulesForm = parse_form(&body)?;
    session.check_csrf(&form.csrf)?;
    let comune = comune_of(&state, &session.staff, &code)?;
    let rules = PetitionRules::parse(form.cosponsors, form.response_threshold, form.debate_threshold, form.anonymise_after_months)
        .map_err(|e| DashError::BadRequest(error_text(e.code(), &e.to_string())))?;
    petitions::set_rules(&state, &session.staff, &comune, &rules).await?;
    Ok(Redirect::to(&format!("/dashboard/comuni/{code}/petizioni?fatto=regole")).into_response())
}

/// `GET /dashboard/petizioni/{id}`
pub async fn view(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response, DashError> {
    let id = petition_id(&id)?;
    let (p, review) = petitions::review(&state, &session.staff, &id).await?;
    let events = state.store().petition_events(&id).await?;
    let directory = state.directory();
    let entry = directory.comune(&p.comune).ok_or(DashError::NotFound)?;
    Ok(petition_page(&session.staff, &session.session.csrf, entry, &p, &events, &review, &done.fatto).into_response())
}

fn event_label(e: &PetitionEvent) -> String {
    match e.event.as_str() {
        "threshold_reached" => t_with(
            "pet-event-threshold",
            &[(
                "threshold",
                e.detail
                    .as_deref()
                    .and_then(casa_shared_model::petition::ThresholdKind::parse)
                    .map(threshold_label)
                    .unwrap_or_default()
                    .into(),
            )],
        ),
        "signatures_invalidated" => t("pet-event-invalidated"),
        "anonymised" => t("pet-event-anonymised"),
        code => PetitionStatus::from_parts(code, Some("")).map(|s| status_label(&s)).unwrap_or_else(|| code.to_owned()),
    }
}

fn petition_page(
    staff: &Staff,
    csrf: &str,
    comune: &ComuneEntry,
    p: &PetitionRecord,
    events: &[PetitionEvent],
    review: &SignatureReview,
    done: &str,
) -> Markup {
    let code = comune.istat_code.as_str();
    let may_open = p.status == PetitionStatus::InModeration;
    let may_reject = p.status.before_opening();
    let may_answer = p.status.is_signable() || p.status == PetitionStatus::Closed;
    let bursts = review.buckets.iter().filter(|b| b.2).count();
    layout(
        &format!("{} · {}", p.title, t("pet-tab")),
        Some((staff, csrf)),
        html! {
            (comune_nav(staff, &comune.istat_code, SECTION))
            p { a href={ "/dashboard/comuni/" (code) "/petizioni" } { "← " (t_with("pet-back-to-list", &[("comune", comune.name.as_str().into())])) } }
            h1 { (p.title) }
            @match done {
                "open" => div class="alert alert-success" role="status" { (t("pet-done-open")) },
                "rejected" => div class="alert alert-success" role="status" { (t("pet-done-rejected")) },
                "answered" => div class="alert alert-success" role="status" { (t("pet-done-answered")) },
                "annullate" => div class="alert alert-success" role="status" { (t("pet-done-invalidated")) },
                _ => {},
            }
            dl class="row" {
                dt class="col-sm-3" { (t("pet-field-status")) } dd class="col-sm-9" id="petition-status" { (status_label(&p.status)) @if let Some(r) = p.status.detail() { " · «" (r) "»" } }
                dt class="col-sm-3" { (t("pet-field-signatures")) } dd class="col-sm-9" id="petition-signatures" { (progress(p)) }
                dt class="col-sm-3" { (t("pet-field-who")) } dd class="col-sm-9" { @if p.residents_only { (t("pet-who-residents")) } @else { (t("pet-who-everyone")) } }
                dt class="col-sm-3" { (t("pet-field-author")) } dd class="col-sm-9" { @if p.author_citizen.is_some() { (t("pet-author-citizen")) } @else { (p.author) } }
                @if let Some(c) = p.closes_at { dt class="col-sm-3" { (t("pet-field-closes")) } dd class="col-sm-9" { (i18n::when(c)) " (UTC)" } }
                @if p.closes_at.is_none() { dt class="col-sm-3" { (t("pet-field-duration")) } dd class="col-sm-9" { (t_with("pet-duration-days", &[("days", p.open_days.into())])) } }
                @if let Some(a) = p.anonymised_at { dt class="col-sm-3" { (t("pet-field-anonymised")) } dd class="col-sm-9" { (i18n::when(a)) } }
            }
            div class="card card-bg p-3 mb-4" { p class="mb-0" style="white-space: pre-wrap" { (p.body) } }
            @if let Some(r) = &p.response {
                section aria-labelledby="answer-title" class="mb-4" {
                    h2 id="answer-title" class="h4" { (t("pet-answer-heading")) }
                    p style="white-space: pre-wrap" { (r) }
                }
            }
            @if may_open || may_reject {
                section aria-labelledby="moderation-title" class="mb-4" {
                    h2 id="moderation-title" class="h4" { (t("pet-moderation")) }
                    @if p.status.takes_cosponsors() {
                        p { (t("pet-moderation-cosponsors")) }
                    }
                    @if may_open {
                        form method="post" action={ "/dashboard/petizioni/" (p.id) "/decisione" } class="actions d-inline" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" name="action" value="open" class="btn btn-success mb-3" { (t_with("pet-open-for", &[("days", p.open_days.into())])) }
                        }
                    }
                    form method="post" action={ "/dashboard/petizioni/" (p.id) "/decisione" } class="actions" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="reject-reason" class="form-label d-block" { (t("pet-reject-reason")) }
                        textarea id="reject-reason" name="reason" class="form-control mb-2" rows="2" minlength="10" maxlength="500" required {}
                        button type="submit" name="action" value="reject" class="btn btn-outline-danger" { (t("pet-reject")) }
                    }
                }
            }
            @if may_answer {
                section aria-labelledby="respond-title" class="mb-4" {
                    h2 id="respond-title" class="h4" { (t("pet-respond-heading")) }
                    p { (t("pet-respond-intro")) }
                    form method="post" action={ "/dashboard/petizioni/" (p.id) "/decisione" } class="actions" {
                        input type="hidden" name="csrf" value=(csrf);
                        label for="answer-text" class="form-label d-block" { (t("pet-respond-text")) }
                        textarea id="answer-text" name="response" class="form-control mb-2" rows="5" minlength="20" maxlength="10000" required {}
                        button type="submit" name="action" value="answer" class="btn btn-primary" { (t("pet-respond-submit")) }
                    }
                }
            }
            section aria-labelledby="review-title" class="mb-4" {
                h2 id="review-title" class="h4" { (t("pet-review-heading")) }
                @if p.anonymised_at.is_some() {
                    p { (t("pet-review-anonymised")) }
                } @else {
                    p role="status" id="burst-summary" {
                        (t_with("pet-review-bursts", &[("n", bursts.into())]))
                    }
                    @if !review.shared_devices.is_empty() {
                        h3 class="h5" { (t("pet-shared-heading")) }
                        div class="table-responsive" {
                            table class="table table-sm" id="shared-devices" {
                                caption { (t("pet-shared-caption")) }
                                thead { tr { th scope="col" { (t("pet-col-phone")) } th scope="col" { (t("pet-col-people")) } th scope="col" { (t("pet-col-from")) } th scope="col" { (t("pet-col-until")) } th scope="col" { span class="visually-hidden" { (t("pet-col-action")) } } } }
                                tbody {
                                    @for d in &review.shared_devices {
                                        tr {
                                            td { code { (d.device.to_string().get(..13).unwrap_or_default()) "…" } }
                                            td { (d.signatures) }
                                            td { (i18n::when(d.first)) }
                                            td { (i18n::when(d.last)) }
                                            td { a href={ "/dashboard/petizioni/" (p.id) "/annulla?telefono=" (d.device) } { (t("pet-invalidate-preview")) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if !review.buckets.is_empty() {
                        h3 class="h5" { (t("pet-timeline-heading")) }
                        div class="table-responsive" tabindex="0" role="region" aria-label=(t("pet-timeline-label")) style="max-height: 24rem; overflow-y: auto" {
                            table class="table table-sm" id="signature-timeline" {
                                thead { tr { th scope="col" { (t("pet-col-since")) } th scope="col" { (t("pet-field-signatures")) } th scope="col" { span class="visually-hidden" { (t("pet-col-action")) } } } }
                                tbody {
                                    @for (at, n, burst) in &review.buckets {
                                        tr class=[burst.then_some("table-danger")] {
                                            td { (i18n::when(*at)) @if *burst { " " span class="badge bg-danger" { (t("pet-burst")) } } }
                                            td { (n) }
                                            td {
                                                a href={ "/dashboard/petizioni/" (p.id) "/annulla?dal=" (local_value(Some(*at))) "&al=" (local_value(Some(*at + chrono::Duration::seconds(i64::from(petitions::BURST_BUCKET_SECS))))) } { (t("pet-invalidate-preview")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if !events.is_empty() {
                section aria-labelledby="history-title" class="mt-4" {
                    h2 id="history-title" class="h4" { (t("pet-history")) }
                    ol class="list-unstyled" {
                        @for e in events {
                            li class="mb-2" {
                                strong { (event_label(e)) }
                                " · " (i18n::when(e.at)) " (UTC) · " (signatures(e.signatures))
                                @if let Some(d) = event_detail(e) { " · " (d) }
                            }
                        }
                    }
                }
            }
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    response: String,
}

/// `POST /dashboard/petizioni/{id}/decisione`
pub async fn decide(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: DecisionForm = parse_form(&body)?;
    session.check_csrf(&form.csrf)?;
    let id = petition_id(&id)?;
    let Some(decision) = Decision::parse(&form.action, Some(form.reason), Some(form.response)) else {
        return Err(DashError::BadRequest(t_with("rep-error-unknown-action", &[("action", form.action.as_str().into())])));
    };
    let after = petitions::decide(&state, &session.staff, &id, decision).await?;
    Ok(Redirect::to(&format!("/dashboard/petizioni/{id}?fatto={}", after.status.code())).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct SelectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    telefono: String,
    #[serde(default)]
    dal: String,
    #[serde(default)]
    al: String,
    /// When the preview was shown (RFC 3339): applying it takes nothing newer.
    #[serde(default)]
    visto: String,
}

impl SelectionForm {
    fn selection(&self) -> Result<SignatureSelection, DashError> {
        let device = match self.telefono.trim() {
            "" => None,
            d => Some(DeviceId::parse(d).map_err(|_| DashError::bad("pet-error-phone"))?),
        };
        let received_before = match self.visto.trim() {
            "" => None,
            t => Some(DateTime::parse_from_rfc3339(t).map_err(|_| DashError::bad("pet-error-preview"))?.with_timezone(&Utc)),
        };
        Ok(SignatureSelection { device, from: parse_local(&self.dal)?, until: parse_local(&self.al)?, received_before })
    }
}

/// `GET /dashboard/petizioni/{id}/annulla`: the preview, nothing changes.
pub async fn preview(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(form): Query<SelectionForm>,
) -> Result<Response, DashError> {
    let id = petition_id(&id)?;
    let p = petitions::moderated(&state, &session.staff, &id).await?;
    let selection = SignatureSelection { received_before: Some(Utc::now()), ..form.selection()? };
    let n = petitions::invalidate(&state, &session.staff, &id, &selection, false).await?;
    let directory = state.directory();
    let entry = directory.comune(&p.comune).ok_or(DashError::NotFound)?;
    Ok(preview_page(&session.staff, &session.session.csrf, entry, &p, &selection, n).into_response())
}

fn preview_page(staff: &Staff, csrf: &str, comune: &ComuneEntry, p: &PetitionRecord, s: &SignatureSelection, n: u32) -> Markup {
    layout(
        &format!("{} · {}", t("pet-invalidate-heading"), p.title),
        Some((staff, csrf)),
        html! {
            (comune_nav(staff, &comune.istat_code, SECTION))
            p { a href={ "/dashboard/petizioni/" (p.id) } { "← " (p.title) } }
            h1 { (t("pet-invalidate-heading")) }
            form method="get" action={ "/dashboard/petizioni/" (p.id) "/annulla" } class="filters row g-3 align-items-end mb-4" aria-label=(t("pet-invalidate-filters")) {
                div class="col-md-4 form-group" {
                    label for="s-device" { (t("pet-invalidate-phone")) }
                    input type="text" id="s-device" name="telefono" class="form-control" value=(s.device.map(|d| d.to_string()).unwrap_or_default());
                }
                div class="col-md-3 form-group" {
                    label for="s-from" { (t("pet-invalidate-from")) }
                    input type="datetime-local" id="s-from" name="dal" class="form-control" value=(local_value(s.from));
                }
                div class="col-md-3 form-group" {
                    label for="s-until" { (t("pet-invalidate-until")) }
                    input type="datetime-local" id="s-until" name="al" class="form-control" value=(local_value(s.until));
                }
                div class="col-md-2" { button type="submit" class="btn btn-outline-primary w-100" { (t("pet-invalidate-refresh")) } }
            }
            p class="lead" role="status" id="preview-count" {
                (t_with("pet-invalidate-matching", &[("n", n.into())]))
            }
            @if n > 0 {
                p { (t_with("pet-invalidate-effect", &[("n", n.into()), ("from", p.signatures.into()), ("to", p.signatures.saturating_sub(n).into())])) }
                form method="post" action={ "/dashboard/petizioni/" (p.id) "/annulla" } class="actions" {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="telefono" value=(s.device.map(|d| d.to_string()).unwrap_or_default());
                    input type="hidden" name="dal" value=(local_value(s.from));
                    input type="hidden" name="al" value=(local_value(s.until));
                    input type="hidden" name="visto" value=(s.received_before.map(|t| t.to_rfc3339()).unwrap_or_default());
                    button type="submit" class="btn btn-danger" { (t_with("pet-invalidate-submit", &[("n", n.into())])) }
                }
            }
        },
    )
}

/// `POST /dashboard/petizioni/{id}/annulla`: applies the selection previewed.
pub async fn invalidate(
    session: StaffSession,
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, DashError> {
    let form: SelectionForm = parse_form(&body)?;
    session.check_csrf(&form.csrf)?;
    let id = petition_id(&id)?;
    let selection = form.selection()?;
    if selection.received_before.is_none() {
        return Err(DashError::bad("pet-error-preview-first"));
    }
    petitions::invalidate(&state, &session.staff, &id, &selection, true).await?;
    Ok(Redirect::to(&format!("/dashboard/petizioni/{id}?fatto=annullate")).into_response())
}
