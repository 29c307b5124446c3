//! Staff sign-in and sessions, independent of how the identity was proved.
//!
//! A session is opened for a staff account; password login is one way to get
//! there. SPID/CIE through OpenID Connect will be another: its callback maps
//! the verified identity to an account and calls [`open_session`], so nothing
//! downstream (cookies, CSRF, roles, audit) changes.

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::auth::{parse_email, verify_password, Role};
use crate::service::Staff;
use crate::state::AppState;
use crate::store::{AuditEntry, SessionRecord, StaffUserRecord, StoreError};

/// Failed logins in a row that lock an account, and for how long.
pub const MAX_LOGIN_FAILURES: u32 = 5;
pub const LOCK_DURATION: Duration = Duration::minutes(15);
/// A working day; staff log in again the next morning.
pub const SESSION_DURATION: Duration = Duration::hours(10);

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("email o password non corretti / wrong email or password")]
    InvalidCredentials,
    #[error("account bloccato dopo troppi tentativi falliti fino alle {until} (UTC) / account locked after too many failed attempts")]
    Locked { until: DateTime<Utc> },
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// Checks an email and password and opens a session. Returns the new
/// session's token, for the cookie (it is stored only hashed).
pub async fn password_login(state: &AppState, email: &str, password: &str) -> Result<String, LoginError> {
    let staff = check_password(state, email, password).await?;
    let token = open_session(state, &staff).await?;
    audit(state, &staff.actor(), "login", None, Some("password".into())).await;
    Ok(token)
}

/// Checks an email and password, with the lock-out after repeated failures
/// and every failure audited. Unknown accounts cost the same hashing time as
/// known ones, so the answer does not tell them apart.
pub async fn check_password(state: &AppState, email: &str, password: &str) -> Result<Staff, LoginError> {
    // A valid argon2 hash of a random string: verified against when the
    // account does not exist.
    const DECOY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$wN3pPAbL8fZ8Qm3rJp8pP0r0pV2o2m2Zy7iD0N6r1Pc";
    let now = Utc::now();
    let email = parse_email(email).unwrap_or_default();
    let user = if email.is_empty() { None } else { state.store().staff_user_by_email(&email).await? };
    let Some(user) = user else {
        let _ = verify_password(password, DECOY);
        audit(state, "anonymous", "login_failed", Some(email), Some("unknown account".into())).await;
        return Err(LoginError::InvalidCredentials);
    };
    let actor = format!("staff:{}", user.email);
    if let Some(until) = state.store().login_locked_until(user.id, now).await? {
        audit(state, &actor, "login_refused_locked", None, None).await;
        return Err(LoginError::Locked { until });
    }
    if !verify_password(password, &user.password_hash) {
        let locked = state.store().record_login_failure(user.id, MAX_LOGIN_FAILURES, now + LOCK_DURATION).await?;
        return match locked {
            Some(until) => {
                audit(state, &actor, "login_locked", None, Some(format!("{MAX_LOGIN_FAILURES} failures"))).await;
                Err(LoginError::Locked { until })
            }
            None => {
                audit(state, &actor, "login_failed", None, None).await;
                Err(LoginError::InvalidCredentials)
            }
        };
    }
    state.store().clear_login_failures(user.id).await?;
    staff_of(user).ok_or(LoginError::InvalidCredentials)
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
    fn the_decoy_hash_is_a_real_argon2_hash() {
        assert!(argon2::password_hash::PasswordHash::new(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$wN3pPAbL8fZ8Qm3rJp8pP0r0pV2o2m2Zy7iD0N6r1Pc"
        )
        .is_ok());
    }
}
