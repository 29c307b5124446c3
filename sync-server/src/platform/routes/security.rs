//! Security headers on every answer: what a browser may load, frame, send
//! as referrer or use (camera, location) for our pages, and no caching of
//! what staff see.

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::platform::state::AppState;

/// Our pages load scripts, styles, fonts and images from this server only;
/// inline styles are allowed (the dashboard sets a few `style` attributes,
/// all escaped by maud), inline scripts are not. Nothing may frame us.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Paths whose answers are personal to a staff member or a device: never
/// kept by a browser or a proxy.
fn is_private(path: &str) -> bool {
    (path.starts_with("/dashboard") && !path.starts_with("/dashboard/static/"))
        || path.starts_with("/api/v1/admin")
        || path.starts_with("/api/v1/inspector")
        || path.starts_with("/api/v1/backoffice")
        || path == "/api/v1/sync"
        || path == "/api/v1/identity/activate"
}

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let private = is_private(req.uri().path());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        // A handler that chose its own value (a photo's cache policy) keeps it.
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(header::REFERRER_POLICY, "no-referrer");
    set(HeaderName::from_static("permissions-policy"), PERMISSIONS_POLICY);
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    if state.public_url().starts_with("https://") {
        set(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if private {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_pages_and_personal_api_answers_are_private_and_static_files_are_not() {
        for p in
            ["/dashboard", "/dashboard/login", "/dashboard/reports/x", "/api/v1/admin/reports/x", "/api/v1/sync", "/api/v1/inspector/sync"]
        {
            assert!(is_private(p), "{p}");
        }
        for p in ["/dashboard/static/css/x.css", "/api/v1/comuni", "/open311/v2/requests.json", "/"] {
            assert!(!is_private(p), "{p}");
        }
    }
}
