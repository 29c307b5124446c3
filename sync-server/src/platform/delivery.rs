//! Delivery of published reports to their department's back-office.
//!
//! Publishing a report writes a row in the `deliveries` outbox in the same
//! transaction (see [`crate::store::ReportStore::change_status`]). A worker
//! per server instance claims due rows under a lease, sends them (a signed
//! webhook or an Open311 `POST requests.json`) and marks them delivered, or
//! schedules a retry with capped exponential backoff and jitter. Delivery is
//! at least once: a receiver deduplicates on the delivery id, which stays the
//! same across retries.
//!
//! Webhook requests carry `X-Casa-Delivery-Id`, `X-Casa-Timestamp` (Unix
//! seconds) and `X-Casa-Signature: sha256=<hex HMAC-SHA256(secret,
//! "{timestamp}.{body}")>`; [`verify_webhook_signature`] is the receiver's check.

use std::time::Duration;

use casa_shared_model::{IstatCode, ReportId, ReportStatus};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::platform::metrics::DeliveryLabels;
use crate::platform::state::AppState;
use crate::store::{ClaimedDelivery, DeliveryKind, DeliveryTarget, ReportRecord, StoreError};

pub const DELIVERY_ID_HEADER: &str = "x-casa-delivery-id";
pub const TIMESTAMP_HEADER: &str = "x-casa-timestamp";
pub const SIGNATURE_HEADER: &str = "x-casa-signature";
/// The tolerance receivers should allow between our clock and theirs.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// How much of a back-office's answer is read (an Open311 id fits easily).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How the worker paces itself.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryConfig {
    /// Pause between polls of an empty (or short) outbox.
    pub poll_interval: Duration,
    /// Wait after the first failed attempt; doubled after each further one.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// How long a claimed delivery stays this server's: past it, another
    /// server may take it (this one crashed).
    pub lease: Duration,
    pub batch_size: u32,
    pub request_timeout: Duration,
    /// Attempts before a delivery is marked failed (it stays in the outbox).
    pub max_attempts: u32,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            base_backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(3600),
            lease: Duration::from_secs(120),
            batch_size: 32,
            request_timeout: Duration::from_secs(15),
            max_attempts: 20,
        }
    }
}

impl DeliveryConfig {
    /// A lease shorter than a request would let a second server send a
    /// delivery still in flight; a batch is sent all at once, so twice the
    /// request timeout covers it.
    fn sane(mut self) -> Self {
        let min_lease = self.request_timeout.saturating_mul(2);
        if self.lease < min_lease {
            tracing::warn!(
                lease_secs = self.lease.as_secs_f64(),
                min_secs = min_lease.as_secs_f64(),
                "delivery lease raised to twice the request timeout"
            );
            self.lease = min_lease;
        }
        self.batch_size = self.batch_size.max(1);
        self.max_attempts = self.max_attempts.max(1);
        self.poll_interval = self.poll_interval.max(Duration::from_millis(10));
        self.max_backoff = self.max_backoff.max(self.base_backoff);
        self
    }
}

/// The wait before the next attempt after `attempts` failed ones: the base
/// doubled per failure, capped, its upper half random (`jitter` in 0..=1) so
/// that retries of many deliveries do not all land on a back-office that
/// just came back at the same instant.
pub fn backoff(attempts: u32, base: Duration, max: Duration, jitter: f64) -> Duration {
    let doubled = base.saturating_mul(2u32.saturating_pow(attempts.saturating_sub(1)));
    let capped = doubled.min(max);
    let half = capped / 2;
    half + half.mul_f64(if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.0 })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("timestamp mancante o non valido / missing or invalid timestamp")]
    InvalidTimestamp,
    #[error("timestamp fuori dalla tolleranza: richiesta vecchia o ripetuta / timestamp outside the tolerance: stale or replayed request")]
    OutsideTolerance,
    #[error("firma mancante o malformata (attesa sha256=<hex>) / missing or malformed signature (sha256=<hex> expected)")]
    Malformed,
    #[error("firma non valida / invalid signature")]
    Mismatch,
    #[error("chiave di firma non utilizzabile / unusable signing key")]
    Key,
}

fn keyed(secret: &str, timestamp: &str, body: &[u8]) -> Result<Hmac<Sha256>, SignatureError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).map_err(|_| SignatureError::Key)?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(mac)
}

/// The `X-Casa-Signature` value of a body sent at `timestamp` (Unix seconds).
pub fn sign_webhook(secret: &str, timestamp: i64, body: &[u8]) -> Result<String, SignatureError> {
    let mac = keyed(secret, &timestamp.to_string(), body)?;
    Ok(format!("sha256={}", hex::encode(mac.finalize().into_bytes())))
}

/// A receiver's check of a webhook request: the signature must be ours over
/// this timestamp and body (compared in constant time), and the timestamp
/// within `tolerance` of `now`, so a captured request cannot be replayed later.
pub fn verify_webhook_signature(
    secret: &str,
    timestamp_header: &str,
    body: &[u8],
    signature_header: &str,
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let timestamp = timestamp_header.trim();
    if timestamp.is_empty() || timestamp.len() > 12 || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SignatureError::InvalidTimestamp);
    }
    let sent: i64 = timestamp.parse().map_err(|_| SignatureError::InvalidTimestamp)?;
    let claimed = signature_header.trim().strip_prefix("sha256=").ok_or(SignatureError::Malformed)?;
    let claimed = hex::decode(claimed).map_err(|_| SignatureError::Malformed)?;
    keyed(secret, timestamp, body)?.verify_slice(&claimed).map_err(|_| SignatureError::Mismatch)?;
    let skew = now.timestamp().abs_diff(sent);
    if skew > tolerance.as_secs() {
        return Err(SignatureError::OutsideTolerance);
    }
    Ok(())
}

/// The body of a webhook request: the report as the department needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookReport {
    pub id: ReportId,
    pub comune: IstatCode,
    pub comune_name: String,
    pub category: String,
    pub department: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    /// Photo URLs (the photos themselves, or an Open311 client's `media_url`).
    pub photos: Vec<String>,
    #[serde(flatten)]
    pub status: ReportStatus,
    pub received_at: DateTime<Utc>,
    /// Where the back-office posts status updates (`in_progress`, `resolved`, `closed`).
    pub status_url: String,
}

impl WebhookReport {
    pub fn new(state: &AppState, r: &ReportRecord) -> Self {
        let directory = state.directory();
        Self {
            id: r.id,
            comune: r.comune,
            comune_name: directory.comune(&r.comune).map(|c| c.name.clone()).unwrap_or_else(|| r.comune.to_string()),
            category: r.category.clone(),
            department: r.department.clone(),
            description: r.description.clone(),
            lat: r.lat,
            lon: r.lon,
            address: r.address.clone(),
            photos: photo_urls(state.public_url(), r),
            status: r.status.clone(),
            received_at: r.received_at,
            status_url: format!("{}/api/v1/backoffice/reports/{}/status", state.public_url(), r.id),
        }
    }
}

fn photo_urls(public_url: &str, r: &ReportRecord) -> Vec<String> {
    let mut urls: Vec<String> = r.photos.iter().map(|sha| format!("{public_url}/api/v1/photos/{sha}")).collect();
    urls.extend(r.media_url.clone());
    urls
}

/// The Open311 `POST requests` form of a report. Open311 has no field for
/// our id, so the description ends with it: the back-office needs it to send
/// status updates back.
pub fn open311_form(state: &AppState, target: &DeliveryTarget, r: &ReportRecord) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("api_key", target.secret.expose().to_owned()),
        ("service_code", target.service_code.clone().unwrap_or_else(|| r.category.clone())),
        ("lat", r.lat.to_string()),
        ("long", r.lon.to_string()),
        ("description", format!("{}\n\nRif. Casa del Cittadino / Ref.: {}", r.description, r.id)),
    ];
    if let Some(url) = photo_urls(state.public_url(), r).into_iter().next() {
        form.push(("media_url", url));
    }
    if let Some(address) = &r.address {
        form.push(("address_string", address.clone()));
    }
    form
}

/// A back-office address without credentials, path or query, for logs.
pub fn endpoint_for_log(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", u.scheme()),
            (Some(host), None) => format!("{}://{host}", u.scheme()),
            _ => u.scheme().to_owned(),
        },
        Err(_) => "(invalid URL)".to_owned(),
    }
}

/// A back-office address as given by an operator: absolute http(s), no
/// credentials in it (they belong in the secret), no control characters.
pub fn parse_target_url(url: &str) -> Result<String, TargetError> {
    let url = url.trim();
    let parsed = reqwest::Url::parse(url).map_err(|_| TargetError::InvalidUrl)?;
    let ok = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some()
        && parsed.username().is_empty()
        && parsed.password().is_none()
        && url.len() <= 2048
        && !url.chars().any(char::is_control);
    if ok {
        Ok(url.to_owned())
    } else {
        Err(TargetError::InvalidUrl)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("URL non valido: serve un indirizzo http(s) assoluto, senza credenziali / invalid URL: an absolute http(s) address without credentials")]
    InvalidUrl,
    #[error("segreto troppo corto: almeno 16 caratteri / secret too short: at least 16 characters")]
    WeakSecret,
    #[error("chiave API mancante / API key missing")]
    MissingApiKey,
}

/// A webhook secret long enough to resist guessing; Open311 keys are
/// whatever the other server issued, so only their presence is checked.
pub fn parse_secret(kind: DeliveryKind, secret: &str) -> Result<crate::store::Secret, TargetError> {
    let secret = secret.trim();
    match kind {
        DeliveryKind::Webhook if secret.chars().count() < 16 => Err(TargetError::WeakSecret),
        DeliveryKind::Open311 if secret.is_empty() => Err(TargetError::MissingApiKey),
        _ => Ok(crate::store::Secret::new(secret)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// What one attempt came to.
#[derive(Debug)]
enum Attempt {
    /// Accepted (2xx), with the back-office's own id when it gave one.
    Delivered(Option<String>),
    /// Worth trying again: the cause, without secrets.
    Failed(String),
    /// Never to be sent: the report was withdrawn from public view meanwhile.
    Withdrawn,
}

/// The worker running in the background; [`DeliveryWorker::stop`] lets the
/// batch in flight finish.
#[derive(Debug)]
pub struct DeliveryWorker {
    stop: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl DeliveryWorker {
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for DeliveryWorker {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts this server's delivery worker. Several servers on one database
/// share the outbox: each delivery is claimed by one of them.
pub fn spawn_delivery_worker(state: AppState, config: DeliveryConfig) -> Result<DeliveryWorker, DeliveryError> {
    let config = config.sane();
    let http = reqwest::Client::builder()
        .timeout(config.request_timeout)
        .connect_timeout(config.request_timeout)
        // A redirect is a misconfigured address: following it would send the
        // report, and an Open311 key, wherever the redirect points.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("casa-del-cittadino/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let worker = Worker { state, config, http };
    let task = tokio::spawn(async move {
        loop {
            let full = match worker.run_once().await {
                Ok(n) => n >= worker.config.batch_size as usize,
                Err(e) => {
                    tracing::warn!(error = %e, "delivery outbox unavailable; will retry");
                    false
                }
            };
            if *stopped.borrow() {
                break;
            }
            // A full batch suggests more are due: go on at once.
            if !full {
                tokio::select! {
                    () = tokio::time::sleep(worker.config.poll_interval) => {}
                    _ = stopped.changed() => break,
                }
            }
        }
    });
    Ok(DeliveryWorker { stop, task: Some(task) })
}

struct Worker {
    state: AppState,
    config: DeliveryConfig,
    http: reqwest::Client,
}

impl Worker {
    /// Claims one batch and sends it, all at once (the lease covers one
    /// request time, not a batch's worth). Returns how many were claimed.
    async fn run_once(&self) -> Result<usize, StoreError> {
        let now = Utc::now();
        let lease_until = now + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::seconds(120));
        let claimed = self.state.store().claim_due_deliveries(now, lease_until, self.config.batch_size).await?;
        let n = claimed.len();
        futures::future::join_all(claimed.into_iter().map(|d| self.deliver(d))).await;
        Ok(n)
    }

    async fn deliver(&self, d: ClaimedDelivery) {
        let attempt = self.attempt(&d).await;
        let now = Utc::now();
        let store = self.state.store();
        let kind = d.target.kind.as_str();
        let endpoint = endpoint_for_log(&d.target.url);
        let count = |outcome: &'static str| self.state.metrics().deliveries.get_or_create(&DeliveryLabels { kind, outcome }).inc();
        let written = match attempt {
            Attempt::Delivered(remote_id) => {
                count("delivered");
                tracing::info!(delivery = %d.id, report = %d.report_id, comune = %d.target.comune, department = %d.target.department, kind, %endpoint, attempts = d.attempts, "report delivered to the back-office");
                store.mark_delivered(d.id, now, remote_id.as_deref()).await
            }
            Attempt::Withdrawn => {
                count("withdrawn");
                tracing::info!(delivery = %d.id, report = %d.report_id, "report no longer public: not delivered");
                store.mark_delivery_failed(d.id, now, "segnalazione non più pubblica / report no longer public").await
            }
            Attempt::Failed(error) if d.attempts >= self.config.max_attempts => {
                count("failed");
                tracing::error!(delivery = %d.id, report = %d.report_id, comune = %d.target.comune, department = %d.target.department, kind, %endpoint, attempts = d.attempts, %error, "delivery failed for good: attempts exhausted");
                store.mark_delivery_failed(d.id, now, &error).await
            }
            Attempt::Failed(error) => {
                count("retry");
                let jitter = rand::thread_rng().gen::<f64>();
                let wait = backoff(d.attempts, self.config.base_backoff, self.config.max_backoff, jitter);
                let next = now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(60));
                tracing::warn!(delivery = %d.id, report = %d.report_id, comune = %d.target.comune, department = %d.target.department, kind, %endpoint, attempts = d.attempts, %error, retry_in_secs = wait.as_secs_f64(), "delivery attempt failed");
                store.schedule_retry(d.id, next, &error).await
            }
        };
        if let Err(e) = written {
            // The lease runs out and the delivery is taken again: at least once.
            tracing::error!(delivery = %d.id, error = %e, "cannot record the delivery outcome");
        }
    }

    async fn attempt(&self, d: &ClaimedDelivery) -> Attempt {
        let report = match self.state.store().report(&d.report_id).await {
            Ok(Some(r)) => r,
            Ok(None) => return Attempt::Failed("segnalazione non trovata / report not found".to_owned()),
            Err(e) => {
                tracing::error!(delivery = %d.id, error = %e, "cannot read the report to deliver");
                return Attempt::Failed("errore del database locale / local database error".to_owned());
            }
        };
        if !report.status.is_public() {
            return Attempt::Withdrawn;
        }
        let request = match d.target.kind {
            DeliveryKind::Webhook => {
                let body = match serde_json::to_vec(&WebhookReport::new(&self.state, &report)) {
                    Ok(b) => b,
                    Err(e) => return Attempt::Failed(format!("cannot encode the report: {e}")),
                };
                let timestamp = Utc::now().timestamp();
                let signature = match sign_webhook(d.target.secret.expose(), timestamp, &body) {
                    Ok(s) => s,
                    Err(e) => return Attempt::Failed(e.to_string()),
                };
                self.http
                    .post(&d.target.url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header(DELIVERY_ID_HEADER, d.id.to_string())
                    .header(TIMESTAMP_HEADER, timestamp.to_string())
                    .header(SIGNATURE_HEADER, signature)
                    .body(body)
            }
            DeliveryKind::Open311 => {
                let url = format!("{}/requests.json", d.target.url.trim_end_matches('/'));
                self.http.post(url).header(DELIVERY_ID_HEADER, d.id.to_string()).form(&open311_form(&self.state, &d.target, &report))
            }
        };
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(describe(&e)),
        };
        let status = response.status();
        if !status.is_success() {
            return Attempt::Failed(format!("HTTP {}", status.as_u16()));
        }
        let remote_id = match d.target.kind {
            DeliveryKind::Webhook => None,
            DeliveryKind::Open311 => open311_request_id(&read_capped(response).await),
        };
        Attempt::Delivered(remote_id)
    }
}

/// A network failure in words, without the URL (it may carry a token).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "tempo scaduto / timeout".to_owned();
    }
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    let what = if e.is_connect() { "connessione non riuscita / connection failed" } else { "errore di rete / network error" };
    if cause.is_empty() {
        what.to_owned()
    } else {
        format!("{what}: {}", cause.chars().take(200).collect::<String>())
    }
}

async fn read_capped(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_ANSWER_BYTES {
            return Vec::new();
        }
    }
    body
}

/// The id in an Open311 answer: `[{"service_request_id": ...}]`, or the
/// `token` of a server that assigns ids later.
fn open311_request_id(body: &[u8]) -> Option<String> {
    let answer: Vec<serde_json::Value> = serde_json::from_slice(body).ok()?;
    let first = answer.first()?;
    let id = first.get("service_request_id").filter(|v| !v.is_null()).or_else(|| first.get("token"))?;
    let id = match id {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    (!id.is_empty() && id.len() <= 200).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "un segreto lungo abbastanza";

    #[test]
    fn a_signature_made_here_verifies_and_any_change_to_body_timestamp_or_secret_breaks_it() {
        let now = Utc::now();
        let ts = now.timestamp();
        let body = br#"{"id":"x"}"#;
        let sig = sign_webhook(SECRET, ts, body).expect("sign");
        assert!(sig.starts_with("sha256=") && sig.len() == 7 + 64, "{sig}");
        let tol = DEFAULT_TOLERANCE;
        assert_eq!(verify_webhook_signature(SECRET, &ts.to_string(), body, &sig, now, tol), Ok(()));
        assert_eq!(verify_webhook_signature(SECRET, &ts.to_string(), br#"{"id":"y"}"#, &sig, now, tol), Err(SignatureError::Mismatch));
        assert_eq!(verify_webhook_signature(SECRET, &(ts - 1).to_string(), body, &sig, now, tol), Err(SignatureError::Mismatch));
        assert_eq!(
            verify_webhook_signature("un altro segreto lungo", &ts.to_string(), body, &sig, now, tol),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_request_replayed_after_the_tolerance_is_refused_even_with_a_valid_signature() {
        let sent = Utc::now() - chrono::Duration::minutes(10);
        let body = b"{}";
        let sig = sign_webhook(SECRET, sent.timestamp(), body).expect("sign");
        let later = sent + chrono::Duration::minutes(10);
        assert_eq!(
            verify_webhook_signature(SECRET, &sent.timestamp().to_string(), body, &sig, later, Duration::from_secs(300)),
            Err(SignatureError::OutsideTolerance)
        );
        // A clock ahead of ours by more than the tolerance is refused too.
        let earlier = sent - chrono::Duration::minutes(6);
        assert_eq!(
            verify_webhook_signature(SECRET, &sent.timestamp().to_string(), body, &sig, earlier, Duration::from_secs(300)),
            Err(SignatureError::OutsideTolerance)
        );
    }

    #[test]
    fn malformed_timestamps_and_signatures_are_refused_without_panicking() {
        let now = Utc::now();
        let ts = now.timestamp().to_string();
        let sig = sign_webhook(SECRET, now.timestamp(), b"").expect("sign");
        for bad_ts in ["", "abc", "-5", "1e9", "99999999999999999999"] {
            assert_eq!(
                verify_webhook_signature(SECRET, bad_ts, b"", &sig, now, DEFAULT_TOLERANCE),
                Err(SignatureError::InvalidTimestamp),
                "{bad_ts}"
            );
        }
        for bad_sig in ["", "sha256=", "sha256=zz", "md5=00", &sig[7..]] {
            let got = verify_webhook_signature(SECRET, &ts, b"", bad_sig, now, DEFAULT_TOLERANCE);
            assert!(matches!(got, Err(SignatureError::Malformed | SignatureError::Mismatch)), "{bad_sig}: {got:?}");
        }
    }

    #[test]
    fn backoff_doubles_per_attempt_up_to_the_cap_with_jitter_only_in_the_upper_half() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(3600);
        assert_eq!(backoff(1, base, max, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(1, base, max, 0.0), Duration::from_secs(5));
        assert_eq!(backoff(2, base, max, 1.0), Duration::from_secs(20));
        assert_eq!(backoff(4, base, max, 1.0), Duration::from_secs(80));
        assert_eq!(backoff(30, base, max, 1.0), max);
        assert_eq!(backoff(u32::MAX, base, max, 0.0), max / 2);
        for attempts in 1..40 {
            for jitter in [0.0, 0.3, 0.999, f64::NAN, 7.0] {
                let wait = backoff(attempts, base, max, jitter);
                assert!(wait <= max && wait >= base.min(max) / 2, "{attempts} {jitter}: {wait:?}");
            }
        }
    }

    #[test]
    fn a_lease_shorter_than_twice_a_request_is_raised_so_a_delivery_in_flight_is_not_taken_twice() {
        let c = DeliveryConfig {
            lease: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            batch_size: 0,
            ..DeliveryConfig::default()
        }
        .sane();
        assert_eq!(c.lease, Duration::from_secs(30));
        assert_eq!(c.batch_size, 1);
    }

    #[test]
    fn target_urls_must_be_absolute_http_without_credentials_and_logs_show_only_the_host() {
        assert_eq!(parse_target_url(" https://bo.comune.bari.it/hook?x=1 "), Ok("https://bo.comune.bari.it/hook?x=1".to_owned()));
        for bad in ["", "ftp://x.it/", "/relative", "https://user:pw@x.it/", "javascript:alert(1)", "https://x.it/\u{7}"] {
            assert_eq!(parse_target_url(bad), Err(TargetError::InvalidUrl), "{bad}");
        }
        assert_eq!(endpoint_for_log("https://bo.example:8443/hook?token=s3cret"), "https://bo.example:8443");
        assert_eq!(endpoint_for_log("not a url"), "(invalid URL)");
    }

    #[test]
    fn webhook_secrets_must_be_long_and_open311_keys_present() {
        assert_eq!(parse_secret(DeliveryKind::Webhook, "corto"), Err(TargetError::WeakSecret));
        assert!(parse_secret(DeliveryKind::Webhook, SECRET).is_ok());
        assert_eq!(parse_secret(DeliveryKind::Open311, "  "), Err(TargetError::MissingApiKey));
        assert_eq!(format!("{:?}", parse_secret(DeliveryKind::Open311, "k").expect("key")), "Secret(***)");
    }

    #[test]
    fn an_open311_answer_gives_its_request_id_or_token_and_anything_else_none() {
        assert_eq!(open311_request_id(br#"[{"service_request_id":"BO-42","service_notice":""}]"#), Some("BO-42".into()));
        assert_eq!(open311_request_id(br#"[{"service_request_id":17}]"#), Some("17".into()));
        assert_eq!(open311_request_id(br#"[{"service_request_id":null,"token":"t-1"}]"#), Some("t-1".into()));
        assert_eq!(open311_request_id(b"<xml/>"), None);
        assert_eq!(open311_request_id(b"[]"), None);
    }
}
