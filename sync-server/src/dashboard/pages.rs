//! The frame every dashboard page shares (maud: HTML escaped by
//! construction), in Bootstrap Italia's look and the clerk's language, and
//! the platform's own pages: sign-in, errors, no Comune yet.

use casa_shared_model::i18n::Lang;
use casa_shared_model::IstatCode;
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::i18n::{self, t};
use crate::components::Tab;
use crate::platform::auth::Role;
use crate::platform::staff::Staff;

/// What Bootstrap Italia leaves to us: a readable table on a phone and
/// photos that fit.
const EXTRA_CSS: &str = "
.report-photos img{max-width:100%;height:auto;border:1px solid #d9dadb;border-radius:4px}
.queue td{vertical-align:top}
.filters .form-group{margin-bottom:1rem}
.filters label{position:static;transform:none;font-size:1rem;font-weight:600;color:#17324d}
.login-card{max-width:28rem}
.login-card label{position:static;transform:none;font-weight:600;color:#17324d}
.actions label{position:static;transform:none;font-size:1rem;font-weight:600;color:#17324d}
.blur-frame{position:relative;display:inline-block;max-width:100%;touch-action:none;cursor:crosshair}
.blur-frame img{max-width:100%;height:auto;display:block;user-select:none}
.blur-box{position:absolute;border:2px dashed #d1344c;background:rgba(209,52,76,.25);pointer-events:none}
.queue-map{max-width:100%;height:auto;background:#f2f7fc;border:1px solid #d9dadb;border-radius:4px}
.queue-map a:focus circle{stroke:#000;stroke-width:3}
.lang-switch button{color:#fff;text-decoration:underline}
";

pub fn role_label(role: Role) -> String {
    t(match role {
        Role::Admin => "dash-role-admin",
        Role::Moderator => "dash-role-moderator",
        Role::Inspector => "dash-role-inspector",
        Role::Operator => "dash-role-operator",
    })
}

/// The other language, offered in its own name.
fn language_switch() -> Markup {
    let (other, name) = match i18n::lang() {
        Lang::It => ("en", "English"),
        Lang::En => ("it", "Italiano"),
    };
    html! {
        form method="post" action="/dashboard/lingua" class="d-inline lang-switch ms-3" {
            input type="hidden" name="lang" value=(other);
            input type="hidden" name="back" value=(i18n::here());
            button type="submit" class="btn btn-sm btn-link p-0" lang=(other) { (name) }
        }
    }
}

pub fn layout(title: &str, staff: Option<(&Staff, &str)>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(i18n::lang().code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – " (t("dash-brand")) }
                link rel="stylesheet" href="/dashboard/static/css/bootstrap-italia.min.css";
                style { (PreEscaped(EXTRA_CSS)) }
            }
            body {
                a class="visually-hidden-focusable" href="#main" { (t("dash-skip-to-content")) }
                header class="it-header-wrapper" {
                    div class="it-header-center-wrapper" {
                        div class="container" {
                            div class="it-header-center-content-wrapper d-flex align-items-center" {
                                div class="it-brand-wrapper" {
                                    a href="/dashboard" {
                                        div class="it-brand-text" {
                                            div class="it-brand-title" { (t("dash-brand")) }
                                            div class="it-brand-tagline d-none d-md-block" { (t("dash-tagline")) }
                                        }
                                    }
                                }
                                div class="ms-auto text-white text-end" {
                                    @if let Some((staff, csrf)) = staff {
                                        span class="d-none d-md-inline" { (staff.email) " · " (role_label(staff.role)) }
                                        form method="post" action="/dashboard/logout" class="d-inline ms-3" {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button type="submit" class="btn btn-sm btn-outline-light" { (t("dash-logout")) }
                                        }
                                    }
                                    (language_switch())
                                }
                            }
                        }
                    }
                }
                main id="main" class="container my-4" { (body) }
            }
        }
    }
}

/// The tabs of `comune`'s dashboard that `staff`'s role opens, from every
/// registered component in the registry's order.
pub fn tabs(staff: &Staff, comune: &IstatCode) -> Vec<Tab> {
    i18n::components().map(|c| c.iter().flat_map(|component| component.dashboard_tabs(staff, comune)).collect()).unwrap_or_default()
}

/// The Comune's tabs, `current` (a tab's `section`) marked.
pub fn comune_nav(staff: &Staff, comune: &IstatCode, current: &str) -> Markup {
    html! {
        nav aria-label=(t("dash-nav-sections")) class="mb-4" {
            ul class="nav nav-tabs" {
                @for tab in tabs(staff, comune) {
                    li class="nav-item" {
                        @if tab.section == current {
                            a class="nav-link active" aria-current="page" href=(tab.href) { (t(tab.label)) }
                        } @else {
                            a class="nav-link" href=(tab.href) { (t(tab.label)) }
                        }
                    }
                }
            }
        }
    }
}

pub fn error_page(title: &str, text: &str) -> Markup {
    layout(
        title,
        None,
        html! {
            h1 { (title) }
            p class="lead" { (text) }
            p { a href="/dashboard" { (t("dash-back-home")) } }
        },
    )
}

pub fn login(csrf: &str, error: Option<&str>, email: &str) -> Markup {
    layout(
        &t("dash-login-title"),
        None,
        html! {
            div class="login-card mx-auto" {
                h1 { (t("dash-login-heading")) }
                p { (t("dash-login-intro")) }
                @if let Some(e) = error {
                    div class="alert alert-danger" role="alert" { (e) }
                }
                form method="post" action="/dashboard/login" novalidate {
                    input type="hidden" name="csrf" value=(csrf);
                    div class="mb-3" {
                        label for="email" class="form-label d-block" { (t("dash-login-email")) }
                        input type="email" class="form-control" id="email" name="email" value=(email) autocomplete="username" required;
                    }
                    div class="mb-4" {
                        label for="password" class="form-label d-block" { (t("dash-login-password")) }
                        input type="password" class="form-control" id="password" name="password" autocomplete="current-password" required;
                    }
                    button type="submit" class="btn btn-primary" { (t("dash-login-submit")) }
                }
                p class="mt-4 text-secondary small" { (t("dash-login-note")) }
            }
        },
    )
}

pub fn no_comuni(staff: &Staff, csrf: &str) -> Markup {
    layout(
        &t("dash-no-comuni-title"),
        Some((staff, csrf)),
        html! {
            h1 { (t("dash-no-comuni-heading")) }
            p { (t("dash-no-comuni-text")) }
        },
    )
}
