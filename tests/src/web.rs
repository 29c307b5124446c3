//! The staff dashboard as a browser without JavaScript uses it: a cookie jar,
//! forms with their anti-forgery token, and redirects left to the test.

use reqwest::redirect::Policy;
use reqwest::StatusCode;

/// A client with its own cookie jar that does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client")
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).unwrap_or_else(|| panic!("no csrf field in: {html}")) + 19;
    html[start..].split('"').next().expect("value").to_owned()
}

/// Where a redirect points.
pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

pub async fn page(b: &reqwest::Client, url: String) -> (StatusCode, String) {
    let res = b.get(url).send().await.expect("get");
    let status = res.status();
    (status, res.text().await.expect("body"))
}

/// Sends the login form with the token its page carried; the answer is left to the test.
pub async fn log_in(b: &reqwest::Client, base: &str, email: &str, password: &str) -> reqwest::Response {
    let (_, form) = page(b, format!("{base}/dashboard/login")).await;
    let csrf = csrf_of(&form);
    b.post(format!("{base}/dashboard/login"))
        .form(&[("email", email), ("password", password), ("csrf", &csrf)])
        .send()
        .await
        .expect("login")
}

/// What the browser scripts in `tests/js` print: no serious or critical
/// axe-core violation on any of `pages`.
pub fn assert_axe_clean(run: &serde_json::Value, pages: &[&str]) {
    for page in pages {
        let violations = run["axe"][page].as_array().unwrap_or_else(|| panic!("axe ran on the {page} page: {run}"));
        let grave: Vec<&serde_json::Value> =
            violations.iter().filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical"))).collect();
        assert!(grave.is_empty(), "axe-core on the {page} page: {}", serde_json::to_string_pretty(&grave).unwrap_or_default());
    }
}

/// Chromium refused nothing under the pages' Content-Security-Policy: every
/// script, style and image the dashboard uses is allowed by it.
pub fn assert_no_csp_violations(run: &serde_json::Value) {
    let refused = run["csp"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(refused, 0, "the Content-Security-Policy blocked something: {}", run["csp"]);
}

/// Each screenshot was written and is not empty.
pub fn assert_screenshots(dir: &std::path::Path, names: &[&str]) {
    for name in names {
        assert!(std::fs::metadata(dir.join(name)).map(|m| m.len() > 1000).unwrap_or(false), "screenshot {name}");
    }
}
