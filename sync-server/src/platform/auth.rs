//! Credentials: API keys for machines (Open311 clients, back-office systems)
//! and passwords for staff. Keys are stored as sha256 (they are long random
//! strings, so a fast hash is safe); passwords with argon2id.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const API_KEY_PREFIX: &str = "casa_";
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A new API key, returned once in clear and stored by its hash.
pub fn generate_api_key() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key = format!("{API_KEY_PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes));
    let hash = hash_api_key(&key);
    (key, hash)
}

pub fn hash_api_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.trim().as_bytes()))
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CredentialError {
    #[error("la password deve avere almeno {MIN_PASSWORD_CHARS} caratteri / the password needs at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
    #[error("indirizzo email non valido / invalid email address")]
    InvalidEmail,
    #[error("ruolo sconosciuto «{0}»: moderator, inspector, operator o admin / unknown role: moderator, inspector, operator or admin")]
    UnknownRole(String),
    #[error("password hashing failed")]
    Hashing,
}

pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CredentialError::PasswordTooShort);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|_| CredentialError::Hashing)
}

pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
}

/// A normalised email: trimmed, lowercase, one `@` with text on both sides.
pub fn parse_email(s: &str) -> Result<String, CredentialError> {
    let s = s.trim().to_lowercase();
    match s.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && s.len() <= 254
                && !s.contains(|c: char| c.is_whitespace() || c.is_control()) =>
        {
            Ok(s)
        }
        _ => Err(CredentialError::InvalidEmail),
    }
}

/// What a staff member may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The metropolitan administrator: every Comune.
    Admin,
    Moderator,
    Inspector,
    Operator,
}

impl Role {
    pub fn parse(s: &str) -> Result<Self, CredentialError> {
        match s {
            "admin" => Ok(Role::Admin),
            "moderator" => Ok(Role::Moderator),
            "inspector" => Ok(Role::Inspector),
            "operator" => Ok(Role::Operator),
            other => Err(CredentialError::UnknownRole(other.chars().take(40).collect())),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Inspector => "inspector",
            Role::Operator => "operator",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_key_matches_its_hash_and_nothing_else() {
        let (key, hash) = generate_api_key();
        assert!(key.starts_with(API_KEY_PREFIX) && key.len() > 40);
        assert_eq!(hash_api_key(&key), hash);
        assert_ne!(hash_api_key("casa_other"), hash);
    }

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let h = hash_password("correct horse battery").expect("hash");
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_eq!(hash_password("short"), Err(CredentialError::PasswordTooShort));
    }

    #[test]
    fn emails_are_normalised_and_nonsense_is_refused() {
        assert_eq!(parse_email("  Mario.Rossi@Comune.Bari.IT "), Ok("mario.rossi@comune.bari.it".into()));
        for bad in ["", "mario", "@comune.it", "mario@", "mario@localhost", "a b@c.it", "m\u{0}@c.it"] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }
}
