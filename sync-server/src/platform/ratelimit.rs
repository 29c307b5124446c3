//! Limits on NEW reports (issue 14, point 10): a flood from one phone, one
//! API key or one address must not bury a Comune's moderation queue.
//!
//! Each subject (a phone, an API key, a client address; IPv6 per /64, what
//! one subscriber holds) has a bucket under the generic cell rate algorithm:
//! `burst` reports at once, then one every `3600 / per_hour` seconds. A
//! report counts against every subject of its request (a phone's sync
//! against the phone and its address; an Open311 request against its key
//! and its address), and is admitted only if all have room.
//!
//! Only new reports count: a re-send of a report the server already holds
//! (a phone retrying after a lost answer) is always answered. Over the
//! budget, `POST /api/v1/reports` and Open311 answer 429 `rate_limited` with
//! `Retry-After`; a sync takes what fits and answers the rest
//! [`ItemOutcome::Deferred`], which the phone keeps queued and sends later,
//! so nothing filed offline is lost and the pull part of the sync works
//! whatever the push.
//!
//! The buckets live in memory, per server process (a restart forgets them;
//! several processes behind a balancer each keep their own). The map
//! forgets idle subjects (a full bucket is the same as no entry) and is
//! bounded: past [`MAX_SUBJECTS`] the fullest quarter goes first.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use casa_shared_model::wire::ItemOutcome;
use casa_shared_model::{DeviceId, ReportId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::platform::error::{ApiError, ServiceError};
use crate::platform::metrics::IngestLabels;
use crate::platform::state::AppState;
use crate::store::ReportSource;

/// Limits on new reports (each also a `CASA_<NAME>` variable, e.g.
/// `CASA_REPORTS_PER_HOUR_PER_IP`). A `per_hour` of 0 turns that limit off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimitSettings {
    /// New reports one phone may file at once...
    pub reports_burst_per_device: u32,
    /// ...and then per hour.
    pub reports_per_hour_per_device: u32,
    /// New reports one API key (Open311) may file at once...
    pub reports_burst_per_api_key: u32,
    /// ...and then per hour.
    pub reports_per_hour_per_api_key: u32,
    /// New reports from one client address at once, whatever the phone or
    /// key: generous, as a mobile carrier's NAT puts many phones behind one.
    pub reports_burst_per_ip: u32,
    /// ...and then per hour.
    pub reports_per_hour_per_ip: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            reports_burst_per_device: 20,
            reports_per_hour_per_device: 60,
            reports_burst_per_api_key: 100,
            reports_per_hour_per_api_key: 1000,
            reports_burst_per_ip: 100,
            reports_per_hour_per_ip: 600,
        }
    }
}

impl RateLimitSettings {
    /// No limit at all (benchmarks, and tests that file in bulk).
    pub fn unlimited() -> Self {
        Self {
            reports_burst_per_device: 0,
            reports_per_hour_per_device: 0,
            reports_burst_per_api_key: 0,
            reports_per_hour_per_api_key: 0,
            reports_burst_per_ip: 0,
            reports_per_hour_per_ip: 0,
        }
    }
}

/// Subjects tracked at most; past it idle ones are forgotten first, then
/// the quarter closest to full.
pub const MAX_SUBJECTS: usize = 100_000;

/// Who a new report counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Device(Uuid),
    ApiKey(Uuid),
    /// IPv4 address, or the top 64 bits of an IPv6 one.
    Ip(IpBlock),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IpBlock {
    V4(u32),
    V6(u64),
}

impl Subject {
    pub fn ip(ip: IpAddr) -> Self {
        match crate::platform::client_ip::canonical(ip) {
            IpAddr::V4(v4) => Subject::Ip(IpBlock::V4(u32::from(v4))),
            IpAddr::V6(v6) => Subject::Ip(IpBlock::V6((u128::from(v6) >> 64) as u64)),
        }
    }
}

/// The subjects of a request: its phone, its API key, its address (each
/// when known).
pub fn subjects(device: Option<DeviceId>, api_key: Option<Uuid>, ip: Option<IpAddr>) -> Vec<Subject> {
    let mut out = Vec::with_capacity(3);
    out.extend(device.map(|d| Subject::Device(d.as_uuid())));
    out.extend(api_key.map(Subject::ApiKey));
    out.extend(ip.map(Subject::ip));
    out
}

/// What [`ReportLimiter::take`] granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub granted: u32,
    /// When fewer than asked: whole seconds until one more fits.
    pub retry_after_secs: Option<u64>,
}

/// One bucket kind's rate: `burst` at once, one per `interval` after.
#[derive(Debug, Clone, Copy)]
struct Rate {
    interval: Duration,
    burst: u32,
}

impl Rate {
    fn of(burst: u32, per_hour: u32) -> Option<Self> {
        (per_hour > 0).then(|| Rate { interval: Duration::from_secs(3600) / per_hour, burst: burst.max(1) })
    }

    /// How far ahead of now the bucket may be booked.
    fn tolerance(&self) -> Duration {
        self.interval.saturating_mul(self.burst)
    }
}

/// The buckets of one server process.
#[derive(Debug)]
pub struct ReportLimiter {
    device: Option<Rate>,
    api_key: Option<Rate>,
    ip: Option<Rate>,
    /// Theoretical arrival time of each subject's next report (GCRA): a
    /// subject whose time has passed has a full bucket, and is forgotten.
    booked: Mutex<HashMap<Subject, Instant>>,
    max_subjects: usize,
}

impl Default for ReportLimiter {
    fn default() -> Self {
        Self::new(&RateLimitSettings::default())
    }
}

impl ReportLimiter {
    pub fn new(s: &RateLimitSettings) -> Self {
        Self {
            device: Rate::of(s.reports_burst_per_device, s.reports_per_hour_per_device),
            api_key: Rate::of(s.reports_burst_per_api_key, s.reports_per_hour_per_api_key),
            ip: Rate::of(s.reports_burst_per_ip, s.reports_per_hour_per_ip),
            booked: Mutex::new(HashMap::new()),
            max_subjects: MAX_SUBJECTS,
        }
    }

    fn rate(&self, subject: &Subject) -> Option<Rate> {
        match subject {
            Subject::Device(_) => self.device,
            Subject::ApiKey(_) => self.api_key,
            Subject::Ip(_) => self.ip,
        }
    }

    /// Whether any limit applies to these subjects.
    pub fn limits(&self, subjects: &[Subject]) -> bool {
        subjects.iter().any(|s| self.rate(s).is_some())
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Subject, Instant>> {
        // A panic while holding the lock leaves consistent entries.
        self.booked.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes up to `wanted` reports from every subject's bucket at once.
    pub fn take(&self, subjects: &[Subject], wanted: u32) -> Grant {
        self.take_at(subjects, wanted, Instant::now())
    }

    pub fn take_at(&self, subjects: &[Subject], wanted: u32, now: Instant) -> Grant {
        let limited: Vec<(Subject, Rate)> = subjects.iter().filter_map(|s| self.rate(s).map(|r| (*s, r))).collect();
        if limited.is_empty() || wanted == 0 {
            return Grant { granted: wanted, retry_after_secs: None };
        }
        let mut booked = self.lock();
        let booked_at = |booked: &HashMap<Subject, Instant>, s: &Subject| booked.get(s).copied().filter(|t| *t > now).unwrap_or(now);
        // What fits in every bucket.
        let mut granted = wanted;
        for (s, rate) in &limited {
            let room = (now + rate.tolerance()).saturating_duration_since(booked_at(&booked, s));
            let fits = u32::try_from(room.as_nanos() / rate.interval.as_nanos().max(1)).unwrap_or(u32::MAX);
            granted = granted.min(fits);
        }
        let mut wait = Duration::ZERO;
        for (s, rate) in &limited {
            let after = booked_at(&booked, s) + rate.interval.saturating_mul(granted);
            if granted > 0 {
                self.book(&mut booked, *s, after, now);
            }
            // When the next one would fit in this bucket.
            wait = wait.max((after + rate.interval).saturating_duration_since(now + rate.tolerance()));
        }
        let retry_after_secs = (granted < wanted).then(|| (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1));
        Grant { granted, retry_after_secs }
    }

    fn book(&self, booked: &mut HashMap<Subject, Instant>, subject: Subject, at: Instant, now: Instant) {
        if booked.len() >= self.max_subjects && !booked.contains_key(&subject) {
            booked.retain(|_, t| *t > now);
            if booked.len() >= self.max_subjects {
                // All busy: forget the quarter nearest to full (the least
                // harm: they had the most room left).
                let mut times: Vec<Instant> = booked.values().copied().collect();
                let cut = times.len() / 4;
                let (_, threshold, _) = times.select_nth_unstable(cut);
                let threshold = *threshold;
                // At most a quarter, even when many were booked alike.
                let mut dropped = 0;
                booked.retain(|_, t| {
                    let drop = *t <= threshold && dropped <= cut;
                    dropped += usize::from(drop);
                    !drop
                });
            }
        }
        booked.insert(subject, at);
    }

    /// Subjects tracked now (for tests).
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }

    #[cfg(test)]
    fn with_max_subjects(mut self, max: usize) -> Self {
        self.max_subjects = max;
        self
    }
}

/// The answer to a request over its budget.
pub fn rate_limited(retry_after_secs: u64) -> ApiError {
    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", limited_message(retry_after_secs)).with_retry_after(retry_after_secs)
}

pub fn limited_message(retry_after_secs: u64) -> String {
    format!(
        "Troppe segnalazioni nuove in poco tempo: riprova tra {retry_after_secs} s / Too many new reports in a short time: retry in {retry_after_secs} s"
    )
}

/// Which of `ids` are new and fit the budget of `subjects`: the new ones
/// that do not fit, in order, and when to retry them. Known reports never
/// count; an id twice in the list counts once.
pub async fn over_budget(state: &AppState, subjects: &[Subject], ids: &[ReportId]) -> Result<(HashSet<Uuid>, u64), ServiceError> {
    let limiter = state.report_limiter();
    if ids.is_empty() || !limiter.limits(subjects) {
        return Ok((HashSet::new(), 0));
    }
    let known = state.store().known_reports(ids).await?;
    let mut seen = HashSet::new();
    let new: Vec<Uuid> = ids.iter().map(ReportId::as_uuid).filter(|id| !known.contains(id) && seen.insert(*id)).collect();
    let grant = limiter.take(subjects, u32::try_from(new.len()).unwrap_or(u32::MAX));
    let over: HashSet<Uuid> = new.into_iter().skip(grant.granted as usize).collect();
    Ok((over, grant.retry_after_secs.unwrap_or(0)))
}

/// Counts reports held back, beside the other ingest outcomes.
fn count_limited(state: &AppState, source: ReportSource, n: usize) {
    let labels = IngestLabels { source: source.as_str(), outcome: "rate_limited" };
    state.metrics().reports_ingested.get_or_create(&labels).inc_by(n as u64);
}

/// Refuses one report over the budget (429 `rate_limited`).
pub async fn admit_one(state: &AppState, source: ReportSource, subjects: &[Subject], id: &ReportId) -> Result<(), ApiError> {
    let (over, retry) = over_budget(state, subjects, std::slice::from_ref(id)).await?;
    if over.is_empty() {
        Ok(())
    } else {
        count_limited(state, source, 1);
        Err(rate_limited(retry))
    }
}

/// Of a sync's new reports (`ids`), those over the budget of `subjects`,
/// to be answered [`ItemOutcome::Deferred`] (kept by the phone for later,
/// never refused or lost), with the outcome to give them.
pub async fn defer_over_budget(
    state: &AppState,
    subjects: &[Subject],
    ids: &[ReportId],
) -> Result<(HashSet<Uuid>, ItemOutcome), ServiceError> {
    let (over, retry_after_secs) = over_budget(state, subjects, ids).await?;
    if !over.is_empty() {
        count_limited(state, ReportSource::App, over.len());
    }
    let outcome = ItemOutcome::Deferred { code: "rate_limited".to_owned(), message: limited_message(retry_after_secs), retry_after_secs };
    Ok((over, outcome))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(burst: u32, per_hour: u32) -> ReportLimiter {
        ReportLimiter::new(&RateLimitSettings {
            reports_burst_per_device: burst,
            reports_per_hour_per_device: per_hour,
            ..RateLimitSettings::unlimited()
        })
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the error type
    fn limits_default_generously_and_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CASA_REPORTS_BURST_PER_DEVICE", "5");
            jail.set_env("CASA_REPORTS_PER_HOUR_PER_IP", "0");
            let s = crate::platform::config::Settings::load(None).map_err(|e| e.to_string())?.rate_limits;
            assert_eq!((s.reports_burst_per_device, s.reports_per_hour_per_ip), (5, 0));
            assert_eq!(s.reports_per_hour_per_api_key, RateLimitSettings::default().reports_per_hour_per_api_key);
            let l = ReportLimiter::new(&s);
            assert!(l.limits(&[Subject::Device(Uuid::now_v7())]) && !l.limits(&[Subject::ip("10.0.0.1".parse().expect("ip"))]));
            Ok(())
        });
    }

    #[test]
    fn a_burst_is_granted_then_one_report_per_interval() {
        let l = limiter(5, 60);
        let d = [Subject::Device(Uuid::now_v7())];
        let t0 = Instant::now();
        assert_eq!(l.take_at(&d, 8, t0), Grant { granted: 5, retry_after_secs: Some(60) });
        assert_eq!(l.take_at(&d, 1, t0 + Duration::from_secs(30)).granted, 0);
        assert_eq!(l.take_at(&d, 2, t0 + Duration::from_secs(60)), Grant { granted: 1, retry_after_secs: Some(60) });
        // After a long pause the bucket is full again, never fuller.
        assert_eq!(l.take_at(&d, 9, t0 + Duration::from_secs(86_400)).granted, 5);
    }

    #[test]
    fn every_subject_must_have_room_and_only_what_is_granted_is_taken() {
        let l = ReportLimiter::new(&RateLimitSettings {
            reports_burst_per_device: 3,
            reports_per_hour_per_device: 60,
            reports_burst_per_ip: 10,
            reports_per_hour_per_ip: 600,
            ..RateLimitSettings::unlimited()
        });
        let ip = Subject::ip("203.0.113.9".parse().expect("ip"));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.take_at(&[Subject::Device(Uuid::now_v7()), ip], 5, t0).granted, 3, "the phone's burst");
        }
        // Nine taken from the address: one left, whatever the phone.
        assert_eq!(l.take_at(&[Subject::Device(Uuid::now_v7()), ip], 5, t0).granted, 1);
        assert_eq!(l.take_at(&[Subject::Device(Uuid::now_v7()), ip], 5, t0), Grant { granted: 0, retry_after_secs: Some(6) });
    }

    #[test]
    fn ipv6_addresses_count_per_64_and_no_limit_means_everything() {
        let a = Subject::ip("2001:db8:1:2::1".parse().expect("ip"));
        let b = Subject::ip("2001:db8:1:2:ffff::9".parse().expect("ip"));
        assert_eq!(a, b);
        let off = ReportLimiter::new(&RateLimitSettings::unlimited());
        assert_eq!(off.take(&[a], 10_000), Grant { granted: 10_000, retry_after_secs: None });
        assert_eq!(off.tracked(), 0);
    }

    #[test]
    fn the_map_forgets_idle_subjects_and_stays_bounded() {
        let l = limiter(2, 3600).with_max_subjects(100);
        let t0 = Instant::now();
        for _ in 0..100 {
            l.take_at(&[Subject::Device(Uuid::now_v7())], 1, t0);
        }
        assert_eq!(l.tracked(), 100);
        // A second later every bucket is full again: all forgotten at the next new subject.
        l.take_at(&[Subject::Device(Uuid::now_v7())], 1, t0 + Duration::from_secs(2));
        assert_eq!(l.tracked(), 1);
        // All busy: a quarter goes.
        for _ in 0..200 {
            l.take_at(&[Subject::Device(Uuid::now_v7())], 2, t0 + Duration::from_secs(3));
        }
        assert!(l.tracked() <= 100, "{}", l.tracked());
    }
}
