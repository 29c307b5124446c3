//! Slowing password guessing down without letting anyone lock a staff
//! account out (issue 14, points 3 and 11).
//!
//! Every password attempt (the dashboard's form, HTTP Basic on the admin
//! API, the inspector app) is admitted here first. Failures are counted in
//! three buckets:
//!
//! - per account and address: the owner mistyping, or one machine guessing
//!   one account;
//! - per address, whatever the account: one machine trying many accounts;
//! - per account, from every address together: many machines guessing one
//!   account. This one holds back only addresses that have themselves
//!   failed on that account, so failures from elsewhere never stop the
//!   owner, who comes from an address that has not been failing.
//!
//! Past a bucket's allowance each further attempt must wait `base × 2^k`
//! (capped) after the bucket's last failure; one that comes sooner is
//! refused with the time left, and its password is not checked, so waiting
//! is the only way on. Nothing is ever locked. A success clears the bucket
//! of its account and address; an account that logged in from an address
//! recently is not held back by that address's bucket (a colleague in the
//! same office mistyping does not stop the others).
//!
//! Accounts are keyed by the e-mail as typed (normalised), whether or not it
//! exists, so known and unknown accounts are throttled alike and a refusal
//! says nothing of which exist. IPv6 addresses count per /64 (what one
//! subscriber holds).
//!
//! The buckets live in memory, per server process: a restart forgets them,
//! and several processes behind a balancer each keep their own (a guesser
//! gains at most a factor of the number of processes).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Login throttling (each also a `CASA_<NAME>` variable, e.g.
/// `CASA_LOGIN_FREE_FAILURES`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoginSettings {
    /// Failed logins for one account from one address before each further
    /// attempt must wait.
    pub login_free_failures: u32,
    /// Failed logins from one address, whatever the account, before each
    /// further attempt from it must wait.
    pub login_free_failures_per_address: u32,
    /// Failed logins for one account from all addresses together before the
    /// addresses that failed on it must wait (never the others).
    pub login_free_failures_per_account: u32,
    /// The first wait, in seconds; it doubles with each further failure.
    pub login_base_delay_secs: u64,
    /// The longest wait, in seconds (at most a day).
    pub login_max_delay_secs: u64,
}

impl Default for LoginSettings {
    fn default() -> Self {
        Self {
            login_free_failures: 5,
            login_free_failures_per_address: 20,
            login_free_failures_per_account: 10,
            login_base_delay_secs: 1,
            login_max_delay_secs: 900,
        }
    }
}

/// How long a successful login from an address exempts that account there
/// from the address's bucket.
pub const KNOWN_FOR: Duration = Duration::from_secs(30 * 86_400);
/// A success that is not audited every time (HTTP Basic, once per request)
/// is audited again after this long.
pub const SUCCESS_AUDIT_EVERY: Duration = Duration::from_secs(3600);
/// Entries kept per bucket kind; past it the forgotten go first, then the
/// oldest quarter.
const MAX_ENTRIES: usize = 100_000;

/// Which count held an attempt back, or reached its allowance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    AccountAddress,
    Address,
    Account,
}

impl Scope {
    pub fn describe(self) -> &'static str {
        match self {
            Scope::AccountAddress => "this account from this address",
            Scope::Address => "this address",
            Scope::Account => "this account",
        }
    }
}

/// An address as counted: IPv6 per /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Addr {
    V4(u32),
    V6(u64),
    Unknown,
}

fn addr_key(ip: Option<IpAddr>) -> Addr {
    match ip.map(crate::platform::client_ip::canonical) {
        Some(IpAddr::V4(v4)) => Addr::V4(u32::from(v4)),
        Some(IpAddr::V6(v6)) => Addr::V6((u128::from(v6) >> 64) as u64),
        None => Addr::Unknown,
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    failures: u32,
    /// Admitted attempts whose password is still being checked.
    pending: u32,
    last_failure: Instant,
    /// A refusal since the last failure was already reported (audited once,
    /// not once per refused request).
    refusal_noted: bool,
}

impl Bucket {
    fn new(now: Instant) -> Self {
        Self { failures: 0, pending: 0, last_failure: now, refusal_noted: false }
    }
}

#[derive(Debug, Clone, Copy)]
struct Known {
    success: Instant,
    audited: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Policy {
    free_pair: u32,
    free_address: u32,
    free_account: u32,
    base: Duration,
    max: Duration,
    /// A bucket idle this long is forgotten.
    forget: Duration,
    max_entries: usize,
}

impl Policy {
    fn new(s: &LoginSettings) -> Self {
        // Zero allowances or waits would refuse everyone or no one.
        let max = Duration::from_secs(s.login_max_delay_secs.clamp(1, 86_400));
        let base = Duration::from_secs(s.login_base_delay_secs.max(1)).min(max);
        Self {
            free_pair: s.login_free_failures.max(1),
            free_address: s.login_free_failures_per_address.max(1),
            free_account: s.login_free_failures_per_account.max(1),
            base,
            max,
            forget: (max * 4).max(Duration::from_secs(3600)),
            max_entries: MAX_ENTRIES,
        }
    }

    /// The wait after the `beyond`-th failure past the allowance (0-based).
    fn delay(&self, beyond: u32) -> Duration {
        self.base.saturating_mul(1u32.checked_shl(beyond).unwrap_or(u32::MAX)).min(self.max)
    }

    /// How long an attempt must still wait under a bucket, if at all.
    fn wait(&self, b: &Bucket, free: u32, now: Instant) -> Option<Duration> {
        if b.failures >= free {
            let until = b.last_failure.checked_add(self.delay(b.failures - free)).unwrap_or(now + self.max);
            if until > now {
                return Some(until - now);
            }
            // Past the allowance, one attempt at a time.
            return (b.pending > 0).then_some(self.base);
        }
        // Attempts still being checked count as failures until known: a
        // burst sent at once gets no more tries than one sent in turn.
        (b.failures.saturating_add(b.pending) >= free).then_some(self.base)
    }

    fn stale(&self, b: &Bucket, now: Instant) -> bool {
        b.pending == 0 && (b.failures == 0 || now.saturating_duration_since(b.last_failure) > self.forget)
    }
}

/// An attempt refused for now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub retry_after: Duration,
    pub scope: Scope,
    /// The first refusal since that bucket's last failure (worth one audit line).
    pub first: bool,
}

#[derive(Debug)]
pub enum Admission {
    /// Check the password, then settle the ticket.
    Go(Ticket),
    Wait(Refusal),
}

#[derive(Debug, Default)]
struct Buckets {
    pairs: HashMap<(u64, Addr), Bucket>,
    addresses: HashMap<Addr, Bucket>,
    accounts: HashMap<u64, Bucket>,
    known: HashMap<(u64, Addr), Known>,
}

#[derive(Debug)]
pub struct LoginThrottle {
    policy: Policy,
    /// Keys accounts by a keyed hash of the e-mail: entries stay small, and
    /// nobody outside can aim two e-mails at one bucket.
    hasher: RandomState,
    buckets: Mutex<Buckets>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(&LoginSettings::default())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Failed,
    Succeeded,
    Abandoned,
}

impl LoginThrottle {
    pub fn new(settings: &LoginSettings) -> Self {
        Self { policy: Policy::new(settings), hasher: RandomState::new(), buckets: Mutex::new(Buckets::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, Buckets> {
        // Nothing here panics halfway through an update; a poisoned lock
        // still holds consistent counts.
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets an attempt for `account` (the normalised e-mail, known or not)
    /// from `ip` go ahead, or says how long it must wait.
    pub fn admit(self: &Arc<Self>, account: &str, ip: Option<IpAddr>, now: Instant) -> Admission {
        let p = self.policy;
        let account = self.hasher.hash_one(account);
        let addr = addr_key(ip);
        let pair = (account, addr);
        let mut guard = self.lock();
        let b = &mut *guard;
        forget_if_stale(&mut b.pairs, pair, &p, now);
        forget_if_stale(&mut b.addresses, addr, &p, now);
        forget_if_stale(&mut b.accounts, account, &p, now);
        let known = b.known.get(&pair).is_some_and(|k| now.saturating_duration_since(k.success) < KNOWN_FOR);
        let pair_failing = b.pairs.get(&pair).is_some_and(|x| x.failures > 0 || x.pending > 0);
        let mut refusal: Option<(Duration, Scope)> = None;
        let mut consider = |wait: Option<Duration>, scope: Scope| {
            if let Some(wait) = wait {
                if refusal.is_none_or(|(worst, _)| wait > worst) {
                    refusal = Some((wait, scope));
                }
            }
        };
        consider(b.pairs.get(&pair).and_then(|x| p.wait(x, p.free_pair, now)), Scope::AccountAddress);
        if !known {
            consider(b.addresses.get(&addr).and_then(|x| p.wait(x, p.free_address, now)), Scope::Address);
        }
        if pair_failing && !known {
            consider(b.accounts.get(&account).and_then(|x| p.wait(x, p.free_account, now)), Scope::Account);
        }
        if let Some((wait, scope)) = refusal {
            let bucket = match scope {
                Scope::AccountAddress => b.pairs.get_mut(&pair),
                Scope::Address => b.addresses.get_mut(&addr),
                Scope::Account => b.accounts.get_mut(&account),
            };
            let first = bucket.is_some_and(|x| !std::mem::replace(&mut x.refusal_noted, true));
            // Whole seconds, rounded up: what Retry-After can say.
            let retry_after = Duration::from_secs(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(Duration::from_secs(1));
            return Admission::Wait(Refusal { retry_after, scope, first });
        }
        make_room(&mut b.pairs, &p, now);
        make_room(&mut b.addresses, &p, now);
        make_room(&mut b.accounts, &p, now);
        b.pairs.entry(pair).or_insert_with(|| Bucket::new(now)).pending += 1;
        b.addresses.entry(addr).or_insert_with(|| Bucket::new(now)).pending += 1;
        b.accounts.entry(account).or_insert_with(|| Bucket::new(now)).pending += 1;
        Admission::Go(Ticket { throttle: Arc::clone(self), account, addr, settled: false })
    }

    fn settle(&self, account: u64, addr: Addr, outcome: Outcome, now: Instant) -> (Vec<Scope>, bool) {
        let p = self.policy;
        let pair = (account, addr);
        let mut guard = self.lock();
        let b = &mut *guard;
        let mut reached = Vec::new();
        for (scope, bucket, free) in [
            (Scope::AccountAddress, b.pairs.get_mut(&pair), p.free_pair),
            (Scope::Address, b.addresses.get_mut(&addr), p.free_address),
            (Scope::Account, b.accounts.get_mut(&account), p.free_account),
        ] {
            let Some(x) = bucket else { continue };
            x.pending = x.pending.saturating_sub(1);
            if outcome == Outcome::Failed {
                x.failures = x.failures.saturating_add(1);
                x.last_failure = now;
                x.refusal_noted = false;
                if x.failures == free {
                    reached.push(scope);
                }
            }
        }
        let mut audit_success = false;
        if outcome == Outcome::Succeeded {
            // The owner proved the password here: this address's past
            // mistakes for the account no longer count. The account's and
            // the address's buckets stay, or a guesser who also holds one
            // account could clear them by logging in to it.
            if let Some(x) = b.pairs.get_mut(&pair) {
                x.failures = 0;
                x.refusal_noted = false;
            }
            if b.known.len() >= p.max_entries {
                b.known.retain(|_, k| now.saturating_duration_since(k.success) < KNOWN_FOR);
                if b.known.len() >= p.max_entries {
                    let mut by_age: Vec<(Instant, (u64, Addr))> = b.known.iter().map(|(key, k)| (k.success, *key)).collect();
                    by_age.sort_unstable_by_key(|(t, _)| *t);
                    for (_, key) in by_age.into_iter().take(p.max_entries / 4 + 1) {
                        b.known.remove(&key);
                    }
                }
            }
            audit_success = match b.known.get_mut(&pair) {
                Some(k) => {
                    k.success = now;
                    let due = now.saturating_duration_since(k.audited) >= SUCCESS_AUDIT_EVERY;
                    if due {
                        k.audited = now;
                    }
                    due
                }
                None => {
                    b.known.insert(pair, Known { success: now, audited: now });
                    true
                }
            };
        }
        forget_if_stale(&mut b.pairs, pair, &p, now);
        (reached, audit_success)
    }
}

fn forget_if_stale<K: Eq + Hash>(map: &mut HashMap<K, Bucket>, key: K, p: &Policy, now: Instant) {
    if map.get(&key).is_some_and(|b| p.stale(b, now)) {
        map.remove(&key);
    }
}

/// Keeps a bucket map under its size: the forgotten go first, then the
/// oldest quarter of those not in use (a flood of made-up accounts costs
/// memory only up to here).
fn make_room<K: Copy + Eq + Hash>(map: &mut HashMap<K, Bucket>, p: &Policy, now: Instant) {
    if map.len() < p.max_entries {
        return;
    }
    map.retain(|_, b| !p.stale(b, now));
    if map.len() < p.max_entries {
        return;
    }
    let mut by_age: Vec<(Instant, K)> = map.iter().filter(|(_, b)| b.pending == 0).map(|(k, b)| (b.last_failure, *k)).collect();
    by_age.sort_unstable_by_key(|(t, _)| *t);
    for (_, k) in by_age.into_iter().take(p.max_entries / 4 + 1) {
        map.remove(&k);
    }
}

/// An admitted attempt. Settle it with what the password check found; one
/// dropped unsettled (the request cancelled midway) counts as a failure, so
/// hanging up does not buy free tries.
#[derive(Debug)]
pub struct Ticket {
    throttle: Arc<LoginThrottle>,
    account: u64,
    addr: Addr,
    settled: bool,
}

impl Ticket {
    /// A wrong password or an unknown account. Returns the buckets that
    /// reached their allowance with it: from now on, attempts there wait.
    pub fn failed(mut self, now: Instant) -> Vec<Scope> {
        self.settled = true;
        self.throttle.settle(self.account, self.addr, Outcome::Failed, now).0
    }

    /// The right password. Returns whether this account had not logged in
    /// from this address for [`SUCCESS_AUDIT_EVERY`] (for ways in that do not
    /// audit every success).
    pub fn succeeded(mut self, now: Instant) -> bool {
        self.settled = true;
        self.throttle.settle(self.account, self.addr, Outcome::Succeeded, now).1
    }

    /// Nothing was learnt of the password (the store failed).
    pub fn abandon(mut self) {
        self.settled = true;
        self.throttle.settle(self.account, self.addr, Outcome::Abandoned, Instant::now());
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.settled {
            self.throttle.settle(self.account, self.addr, Outcome::Failed, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    fn throttle() -> Arc<LoginThrottle> {
        Arc::new(LoginThrottle::default())
    }

    fn go(t: &Arc<LoginThrottle>, account: &str, from: Option<IpAddr>, now: Instant) -> Ticket {
        match t.admit(account, from, now) {
            Admission::Go(ticket) => ticket,
            Admission::Wait(r) => panic!("{account} from {from:?} refused: {r:?}"),
        }
    }

    fn refused(t: &Arc<LoginThrottle>, account: &str, from: Option<IpAddr>, now: Instant) -> Refusal {
        match t.admit(account, from, now) {
            Admission::Go(_) => panic!("{account} from {from:?} admitted"),
            Admission::Wait(r) => r,
        }
    }

    fn fail(t: &Arc<LoginThrottle>, account: &str, from: Option<IpAddr>, now: Instant) -> Vec<Scope> {
        go(t, account, from, now).failed(now)
    }

    #[test]
    fn past_five_failures_each_attempt_waits_twice_as_long_up_to_the_cap_and_then_gets_in() {
        let t = throttle();
        let (a, t0) = (ip("198.51.100.7"), Instant::now());
        for _ in 0..4 {
            assert!(fail(&t, "mod@comune.bari.it", a, t0).is_empty());
        }
        assert_eq!(fail(&t, "mod@comune.bari.it", a, t0), [Scope::AccountAddress]);
        let r = refused(&t, "mod@comune.bari.it", a, t0);
        assert_eq!((r.retry_after, r.scope, r.first), (Duration::from_secs(1), Scope::AccountAddress, true));
        assert!(!refused(&t, "mod@comune.bari.it", a, t0).first, "a refusal is reported once per failure");
        let mut now = t0;
        for wait in [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900] {
            now += Duration::from_secs(wait);
            assert_eq!(refused(&t, "mod@comune.bari.it", a, now - Duration::from_millis(500)).retry_after, Duration::from_secs(1));
            fail(&t, "mod@comune.bari.it", a, now);
        }
        assert_eq!(refused(&t, "mod@comune.bari.it", a, now).retry_after, Duration::from_secs(900), "capped");
        // Waiting always works: the right password gets in, and clears the count.
        now += Duration::from_secs(900);
        assert!(go(&t, "mod@comune.bari.it", a, now).succeeded(now), "the first success here is worth an audit line");
        for _ in 0..4 {
            fail(&t, "mod@comune.bari.it", a, now);
        }
        assert!(!go(&t, "mod@comune.bari.it", a, now).succeeded(now), "not audited again within the hour");
    }

    #[test]
    fn failures_from_elsewhere_never_hold_back_the_owner_at_an_address_that_has_not_failed() {
        let t = throttle();
        let now = Instant::now();
        // One guesser, many tries; then many guessers, one try each.
        for _ in 0..40 {
            let _ = t.admit("sindaco@comune.bari.it", ip("203.0.113.66"), now).into_ticket().map(|k| k.failed(now));
        }
        for i in 1..=30 {
            fail(&t, "sindaco@comune.bari.it", ip(&format!("192.0.2.{i}")), now);
        }
        // A guesser who failed on the account waits for the account's count too.
        assert_eq!(refused(&t, "sindaco@comune.bari.it", ip("192.0.2.1"), now).scope, Scope::Account);
        // The owner, from home, gets in at once.
        assert!(go(&t, "sindaco@comune.bari.it", ip("198.51.100.20"), now).succeeded(now));
        // Another account, from a guesser's address, is not held back by this one's count.
        go(&t, "altro@comune.bari.it", ip("192.0.2.1"), now).failed(now);
    }

    #[test]
    fn an_address_spraying_many_accounts_waits_but_its_known_users_do_not() {
        let t = throttle();
        let now = Instant::now();
        let office = ip("198.51.100.1");
        assert!(go(&t, "urp@comune.bari.it", office, now).succeeded(now));
        for i in 0..20 {
            fail(&t, &format!("utente{i}@comune.bari.it"), office, now);
        }
        let r = refused(&t, "nessuno@comune.bari.it", office, now);
        assert_eq!((r.scope, r.retry_after), (Scope::Address, Duration::from_secs(1)));
        assert!(!go(&t, "urp@comune.bari.it", office, now).succeeded(now), "a colleague who logged in here before is not held back");
        // An IPv6 holder counts per /64, whatever the low bits.
        for i in 0..20 {
            fail(&t, &format!("v6-{i}@comune.bari.it"), ip(&format!("2001:db8:1:2::{i:x}")), now);
        }
        assert_eq!(refused(&t, "other@comune.bari.it", ip("2001:db8:1:2:ffff::9"), now).scope, Scope::Address);
        assert!(matches!(t.admit("other@comune.bari.it", ip("2001:db8:1:3::1"), now), Admission::Go(_)));
    }

    #[test]
    fn attempts_sent_at_once_get_no_more_tries_than_in_turn_and_a_dropped_one_counts_as_failed() {
        let t = throttle();
        let (a, now) = (ip("203.0.113.5"), Instant::now());
        let tickets: Vec<Ticket> = (0..5).map(|_| go(&t, "x@comune.bari.it", a, now)).collect();
        assert_eq!(refused(&t, "x@comune.bari.it", a, now).retry_after, Duration::from_secs(1));
        drop(tickets);
        assert_eq!(refused(&t, "x@comune.bari.it", a, now + Duration::from_millis(10)).scope, Scope::AccountAddress);
        // A store failure teaches nothing: it does not count.
        let t = throttle();
        for _ in 0..10 {
            go(&t, "y@comune.bari.it", a, now).abandon();
        }
        assert!(matches!(t.admit("y@comune.bari.it", a, now), Admission::Go(_)));
    }

    #[test]
    fn an_idle_count_is_forgotten_and_memory_stays_bounded() {
        let t = throttle();
        let (a, now) = (ip("203.0.113.9"), Instant::now());
        for _ in 0..5 {
            fail(&t, "z@comune.bari.it", a, now);
        }
        assert!(matches!(t.admit("z@comune.bari.it", a, now), Admission::Wait(_)));
        let later = now + Duration::from_secs(3601);
        go(&t, "z@comune.bari.it", a, later).failed(later);
        assert!(matches!(t.admit("z@comune.bari.it", a, later), Admission::Go(_)), "one failure after an idle hour is the first again");

        let mut small = LoginThrottle::default();
        small.policy.max_entries = 100;
        let small = Arc::new(small);
        for i in 0..1000u32 {
            fail(&small, &format!("u{i}@x.it"), Some(IpAddr::from(i.to_be_bytes())), now);
        }
        let b = small.lock();
        assert!(b.pairs.len() <= 100 && b.addresses.len() <= 100 && b.accounts.len() <= 100);
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the error type
    fn the_settings_come_from_the_environment_and_default_to_five_twenty_ten_one_second_fifteen_minutes() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CASA_LOGIN_FREE_FAILURES", "3");
            jail.set_env("CASA_LOGIN_MAX_DELAY_SECS", "60");
            jail.set_env("CASA_TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8");
            let s = crate::platform::config::Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!((s.login.login_free_failures, s.login.login_max_delay_secs, s.login.login_free_failures_per_address), (3, 60, 20));
            assert!(crate::platform::client_ip::TrustedProxies::parse(&s.trusted_proxies)
                .map_err(|e| e.to_string())?
                .contains(IpAddr::from([10, 9, 8, 7])));
            Ok(())
        });
        let d = Policy::new(&LoginSettings::default());
        assert_eq!(
            (d.free_pair, d.free_address, d.free_account, d.base, d.max),
            (5, 20, 10, Duration::from_secs(1), Duration::from_secs(900))
        );
    }

    impl Admission {
        fn into_ticket(self) -> Option<Ticket> {
            match self {
                Admission::Go(t) => Some(t),
                Admission::Wait(_) => None,
            }
        }
    }
}
