//! Staff sign-in and sessions, independent of how the identity was proved.
//!
//! A session is opened for a staff account; password login is one way to get
//! there. SPID/CIE through OpenID Connect will be another: its callback maps
//! the verified identity to an account and calls [`open_session`], so nothing
//! downstream (cookies, CSRF, roles, audit) changes.

use std::net::IpAddr;
use std::time::Instant;

use base64::Engine;
use casa_shared_model::IstatCode;
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::platform::auth::{parse_email, verify_password, Role};
use crate::platform::client_ip::describe;
use crate::platform::login_throttle::Admission;
use crate::platform::state::AppState;
use crate::store::{AuditEntry, SessionRecord, StaffUserRecord, StoreError};

/// A working day; staff log in again the next morning.
pub const SESSION_DURATION: Duration = Duration::hours(10);

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("email o password non corretti / wrong email or password")]
    InvalidCredentials,
    /// Too many failures for this account or from this address; the same
    /// answer whether the account exists or not.
    #[error("troppi tentativi di accesso: riprova più tardi / too many login attempts: try again later")]
    Throttled { retry_after: std::time::Duration },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LoginError {
    /// Seconds for `Retry-After`, when the client must wait.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            LoginError::Throttled { retry_after } => Some(retry_after.as_secs().max(1)),
            _ => None,
        }
    }
}

/// How a password came in. It changes only what a success writes to the
/// audit log: the dashboard and the inspector app audit each login (each
/// opens a session), HTTP Basic (sent with every request) audits its first
/// success from an address in an hour, so the log is not one line per API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Dashboard,
    InspectorApp,
    HttpBasic,
}

impl Channel {
    fn describe(self) -> &'static str {
        match self {
            Channel::Dashboard => "dashboard",
            Channel::InspectorApp => "inspector app",
            Channel::HttpBasic => "http basic",
        }
    }
}

/// One password attempt (no `Debug`: it holds the password).
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address (see [`crate::platform::client_ip`]); `None` when unknown.
    pub client: Option<IpAddr>,
    pub channel: Channel,
}

/// A random token, URL-safe, 256 bits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Equal strings in a time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn staff_of(u: StaffUserRecord) -> Option<Staff> {
    Some(Staff { id: u.id, email: u.email, role: Role::parse(&u.role).ok()?, comuni: u.comuni, department: u.department })
}

pub async fn audit(state: &AppState, actor: &str, action: &str, target: Option<String>, detail: Option<String>) {
    let entry = AuditEntry { actor: actor.to_owned(), action: action.to_owned(), target, detail, at: Utc::now() };
    // The action already happened; a lost audit line is logged loudly rather
    // than turned into an error for the clerk.
    if let Err(e) = state.store().append_audit(&entry).await {
        tracing::error!(error = %e, action, "audit log write failed");
    }
}

/// Checks an email and password and opens a dashboard session. Returns the
/// new session's token, for the cookie (it is stored only hashed).
pub async fn password_login(state: &AppState, email: &str, password: &str, client: Option<IpAddr>) -> Result<String, LoginError> {
    let staff = authenticate(state, Credentials { email, password, client, channel: Channel::Dashboard }).await?;
    let token = open_session(state, &staff).await?;
    audit(state, &staff.actor(), "login", None, Some(format!("password, dashboard from {}", describe(client)))).await;
    Ok(token)
}

/// Checks the email and password of an `Authorization: Basic` header.
pub async fn basic_login(state: &AppState, email: &str, password: &str, client: Option<IpAddr>) -> Result<Staff, LoginError> {
    authenticate(state, Credentials { email, password, client, channel: Channel::HttpBasic }).await
}

/// Checks an email and password: the one way in for every password (the
/// dashboard, the inspector app, HTTP Basic), with the same throttling
/// (see [`crate::platform::login_throttle`]) and the same audit: each failure
/// (`login_failed`), each count that starts holding attempts back
/// (`login_throttled`), the first attempt refused for waiting after each
/// failure (`login_refused_throttled`; not every one, or a script would
/// fill the log at request speed).
///
/// Known and unknown accounts get the same answers at the same cost: an
/// attempt that must wait is refused before anything is looked up, and an
/// unknown account's password is checked against a decoy hash.
pub async fn authenticate(state: &AppState, c: Credentials<'_>) -> Result<Staff, LoginError> {
    let email = parse_email(c.email).ok();
    // What was typed, known account or not: the throttle's key and the audit's target.
    let typed: String =
        email.clone().unwrap_or_else(|| c.email.trim().to_lowercase()).chars().filter(|ch| !ch.is_control()).take(254).collect();
    let how = format!("{} from {}", c.channel.describe(), describe(c.client));
    let ticket = match state.login_throttle().admit(&typed, c.client, Instant::now()) {
        Admission::Go(ticket) => ticket,
        Admission::Wait(refusal) => {
            if refusal.first {
                let detail = format!("{how}: too many failures for {}", refusal.scope.describe());
                audit(state, "anonymous", "login_refused_throttled", Some(typed), Some(detail)).await;
            }
            return Err(LoginError::Throttled { retry_after: refusal.retry_after });
        }
    };
    let user = match email {
        Some(email) => match state.store().staff_user_by_email(&email).await {
            Ok(user) => user,
            Err(e) => {
                ticket.abandon();
                return Err(e.into());
            }
        },
        None => None,
    };
    let password = c.password.to_owned();
    let stored = user.as_ref().map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    // argon2 is CPU work: off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.unwrap_or(false);
    let now = Instant::now();
    match user {
        Some(user) if ok => {
            let first_from_here = ticket.succeeded(now);
            let staff = staff_of(user).ok_or(LoginError::InvalidCredentials)?;
            if c.channel == Channel::HttpBasic && first_from_here {
                audit(state, &staff.actor(), "login", None, Some(how)).await;
            }
            Ok(staff)
        }
        user => {
            let reached = ticket.failed(now);
            let (actor, target, detail) = match &user {
                Some(u) => (format!("staff:{}", u.email), None, how.clone()),
                None => ("anonymous".to_owned(), Some(typed), format!("unknown account; {how}")),
            };
            audit(state, &actor, "login_failed", target.clone(), Some(detail)).await;
            for scope in reached {
                let detail = format!("{how}: further attempts wait, too many failures for {}", scope.describe());
                audit(state, &actor, "login_throttled", target.clone(), Some(detail)).await;
            }
            Err(LoginError::InvalidCredentials)
        }
    }
}

/// The argon2id hash (same parameters as real ones) of a random password
/// nobody knows: what an unknown account's password is checked against.
fn decoy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| crate::platform::auth::hash_password(&crate::platform::auth::generate_api_key().0).unwrap_or_default())
}

/// Opens a session for an account whose identity was already proved, and
/// returns its token (the cookie's value, never stored).
pub async fn open_session(state: &AppState, staff: &Staff) -> Result<String, StoreError> {
    let now = Utc::now();
    let token = random_token();
    let record = SessionRecord {
        token_hash: hash_token(&token),
        user_id: staff.id,
        csrf: random_token(),
        created_at: now,
        expires_at: now + SESSION_DURATION,
    };
    state.store().insert_session(&record).await?;
    Ok(token)
}

/// The staff member behind a session cookie's token, if the session is live.
pub async fn session_staff(state: &AppState, token: &str) -> Result<Option<(Staff, SessionRecord)>, StoreError> {
    let Some(session) = state.store().session(&hash_token(token), Utc::now()).await? else { return Ok(None) };
    let Some(user) = state.store().staff_user_by_id(session.user_id).await? else { return Ok(None) };
    Ok(staff_of(user).map(|s| (s, session)))
}

pub async fn close_session(state: &AppState, staff: &Staff, session: &SessionRecord) -> Result<(), StoreError> {
    state.store().delete_session(&session.token_hash).await?;
    // Its live streams end now, not at their next poll.
    state.live_streams().end_session(&session.token_hash);
    audit(state, &staff.actor(), "logout", None, None).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_compared_whole() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert!(a.len() >= 43);
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &b));
        assert!(!same_token(&a, &a[..10]));
        assert_eq!(hash_token(&a).len(), 64);
    }

    #[test]
    fn the_decoy_hash_is_a_real_argon2_hash_that_nothing_matches() {
        assert!(argon2::password_hash::PasswordHash::new(decoy_hash()).is_ok());
        assert!(!verify_password("", decoy_hash()) && !verify_password("una password lunga e sicura", decoy_hash()));
    }
}

/// A staff member, authenticated.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub comuni: Vec<IstatCode>,
    /// An operator's department.
    pub department: Option<String>,
}

impl Staff {
    /// Admins act everywhere; everyone else only in their own Comuni.
    pub fn covers(&self, comune: &IstatCode) -> bool {
        self.role == Role::Admin || self.comuni.contains(comune)
    }

    pub fn can_moderate(&self, comune: &IstatCode) -> bool {
        matches!(self.role, Role::Admin | Role::Moderator) && self.covers(comune)
    }

    /// Whether this is the operator of the department in charge (or an admin).
    pub fn works_on(&self, comune: &IstatCode, department: &str) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Operator => self.covers(comune) && self.department.as_deref() == Some(department),
            Role::Moderator | Role::Inspector => false,
        }
    }

    /// Who the audit log and the status history name.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.email)
    }
}
