//! Who a citizen is, for what needs one person and not one phone (petition
//! signatures). Everything downstream asks [`IdentityProvider`] for the
//! verified citizen behind a phone's bearer token and never learns how the
//! identity was proved.
//!
//! Today the proof is a clerk's: at a Comune's desk they check an ID document
//! and issue a one-time activation code (`casa-server citizens verify`); the
//! phone trades the code for a token. SPID/CIE (OpenID Connect) will be a
//! second way to create the same citizen and token: the person is keyed by
//! their fiscal code either way, so someone verified twice is one person.

use std::sync::Arc;

use async_trait::async_trait;
use casa_shared_model::{DeviceId, IstatCode};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::platform::staff::{hash_token, random_token};
use crate::platform::state::AppState;

pub mod routes;

#[derive(utoipa::OpenApi)]
#[openapi(paths(routes::activate))]
struct Doc;

/// The identity component: a verified citizen on a phone, for the services
/// that need one (petition signatures).
#[derive(Debug, Clone, Copy)]
pub struct Identity;

impl super::Component for Identity {
    fn name(&self) -> &'static str {
        "identity"
    }

    fn openapi(&self) -> Option<utoipa::openapi::OpenApi> {
        Some(<Doc as utoipa::OpenApi>::openapi())
    }

    fn api_routes(&self) -> axum::Router<AppState> {
        axum::Router::new().route("/identity/activate", axum::routing::post(routes::activate))
    }
}

use crate::store::{CitizenRecord, Store, StoreError};

/// How long a clerk's activation code can be used.
pub const ACTIVATION_DAYS: i64 = 30;

/// A citizen whose identity a provider verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Citizen {
    pub id: Uuid,
    pub residence: IstatCode,
    /// Who verified it (`staff:<email>`, later `spid`, `cie`).
    pub provider: String,
    /// The phone the token was issued to: the only one that may use it, so
    /// a token copied elsewhere cannot pose as many phones.
    pub device: Option<DeviceId>,
}

impl From<CitizenRecord> for Citizen {
    fn from(c: CitizenRecord) -> Self {
        Citizen { id: c.id, residence: c.residence, provider: c.provider, device: None }
    }
}

/// The one question the rest of the server asks about identity.
#[async_trait]
pub trait IdentityProvider: Send + Sync + std::fmt::Debug {
    /// The verified citizen a phone's bearer token stands for, if any.
    async fn citizen(&self, bearer: &str) -> Result<Option<Citizen>, StoreError>;
}

/// Tokens the store issued, whatever verified the person first.
#[derive(Clone)]
pub struct StoredTokens {
    store: Arc<dyn Store>,
}

impl StoredTokens {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }
}

impl std::fmt::Debug for StoredTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredTokens").field("backend", &self.store.backend()).finish()
    }
}

#[async_trait]
impl IdentityProvider for StoredTokens {
    async fn citizen(&self, bearer: &str) -> Result<Option<Citizen>, StoreError> {
        Ok(self.store.citizen_by_token(&hash_token(bearer.trim())).await?.map(|(c, device)| Citizen { device: Some(device), ..c.into() }))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("codice fiscale non valido: 16 caratteri con il carattere di controllo giusto / invalid fiscal code")]
    InvalidFiscalCode,
    #[error("codice di attivazione sconosciuto, già usato o scaduto: chiedine uno nuovo allo sportello / unknown, used or expired activation code")]
    InvalidActivation,
    #[error("Comune sconosciuto / unknown Comune")]
    UnknownComune,
}

impl IdentityError {
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::InvalidFiscalCode => "invalid_fiscal_code",
            IdentityError::InvalidActivation => "invalid_activation_code",
            IdentityError::UnknownComune => "unknown_comune",
        }
    }
}

/// An Italian fiscal code (codice fiscale), checked by its control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalCode(String);

impl FiscalCode {
    pub fn parse(s: &str) -> Result<Self, IdentityError> {
        let s: String = s.trim().to_uppercase();
        let b = s.as_bytes();
        if b.len() != 16 || !b.iter().all(u8::is_ascii_alphanumeric) {
            return Err(IdentityError::InvalidFiscalCode);
        }
        // Values of the characters in odd positions (1st, 3rd...), by the
        // Ministry's table; digits count as the letter of the same rank.
        const ODD: [u32; 26] = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];
        let rank = |c: u8| if c.is_ascii_digit() { u32::from(c - b'0') } else { u32::from(c - b'A') };
        let sum: u32 = b[..15].iter().enumerate().map(|(i, &c)| if i % 2 == 0 { ODD[rank(c) as usize] } else { rank(c) }).sum();
        let control = b'A' + (sum % 26) as u8;
        if b[15] != control {
            return Err(IdentityError::InvalidFiscalCode);
        }
        Ok(FiscalCode(s))
    }

    /// The key of the first releases: a plain hash, which anyone with the
    /// database could match against guessed fiscal codes (they follow from a
    /// name, birth date and place). The keyed key is an HMAC of it, so rows
    /// of those releases are re-keyed at start without their fiscal codes.
    fn legacy_person_key(&self) -> String {
        hex::encode(Sha256::digest(format!("casa-del-cittadino/person/{}", self.0).as_bytes()))
    }
}

/// Turns a fiscal code into the person's key with the server's secret
/// (HMAC-SHA256): the same person gives the same key, the fiscal code is not
/// kept, and without the secret a stolen database says nothing about who
/// signed what.
#[derive(Clone)]
pub struct PersonKeyer(Arc<[u8]>);

impl std::fmt::Debug for PersonKeyer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PersonKeyer(***)")
    }
}

/// Where the identity secret lives when none is configured: in the data
/// directory, made on first start.
pub const SECRET_FILE: &str = "identity-secret";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("il segreto delle identità deve avere almeno 32 caratteri / the identity secret needs 32 characters at least")]
    TooShort,
    #[error(
        "segreto delle identità illeggibile in {path}: {error}; oppure imposta CASA_IDENTITY_SECRET / \
         cannot read or create the identity secret (or set CASA_IDENTITY_SECRET)"
    )]
    File { path: String, error: std::io::Error },
    #[error(
        "nessun segreto delle identità in {path}: avvia prima il server (casa-server serve) o imposta CASA_IDENTITY_SECRET / \
         no identity secret yet: start the server first or set CASA_IDENTITY_SECRET"
    )]
    Missing { path: String },
    #[error(
        "il segreto delle identità non è quello con cui questo database è stato creato: imposta lo stesso CASA_IDENTITY_SECRET su ogni server / \
         the identity secret differs from the one this database was keyed with: set the same CASA_IDENTITY_SECRET on every server"
    )]
    Mismatch,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PersonKeyer {
    pub fn new(secret: &[u8]) -> Result<Self, KeyError> {
        if secret.len() < 32 {
            return Err(KeyError::TooShort);
        }
        Ok(PersonKeyer(secret.into()))
    }

    /// The configured secret, or the data directory's (made on first start
    /// when `create`, readable by its owner only); checked against the one the
    /// database was first keyed with, so two servers with different secrets
    /// cannot count one person twice. Citizens keyed by an earlier release
    /// are re-keyed here.
    pub async fn resolve(store: &dyn Store, configured: Option<&str>, data_dir: &std::path::Path, create: bool) -> Result<Self, KeyError> {
        let keyer = match configured {
            Some(secret) => Self::new(secret.trim().as_bytes())?,
            None => Self::from_file(&data_dir.join(SECRET_FILE), create)?,
        };
        let stored = store.identity_fingerprint(&keyer.fingerprint()).await?;
        if stored != keyer.fingerprint() {
            return Err(KeyError::Mismatch);
        }
        let rekey = keyer.clone();
        let moved = store.rekey_legacy_citizens(&move |old: String| rekey.mac(&old)).await?;
        if moved > 0 {
            tracing::info!(citizens = moved, "citizens of an earlier release re-keyed with the identity secret");
        }
        Ok(keyer)
    }

    fn from_file(path: &std::path::Path, create: bool) -> Result<Self, KeyError> {
        let failed = |error| KeyError::File { path: path.display().to_string(), error };
        match std::fs::read_to_string(path) {
            Ok(secret) => Self::new(secret.trim().as_bytes()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !create => Err(KeyError::Missing { path: path.display().to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                rand::rngs::OsRng.fill(&mut bytes);
                let secret = hex::encode(bytes);
                let dir = path.parent().unwrap_or(std::path::Path::new("."));
                std::fs::create_dir_all(dir).map_err(failed)?;
                // Written whole and synced under another name, then linked in
                // place: no reader ever sees half a secret, and a second
                // process starting at once keeps the first one's.
                let tmp = dir.join(format!(".{SECRET_FILE}.{}", Uuid::now_v7().simple()));
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let written = options.open(&tmp).and_then(|mut f| {
                    std::io::Write::write_all(&mut f, secret.as_bytes())?;
                    f.sync_all()
                });
                let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
                let _ = std::fs::remove_file(&tmp);
                match linked {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Self::from_file(path, false),
                    Err(e) => return Err(failed(e)),
                }
                // The new name itself must survive a power cut before the
                // database records the secret's fingerprint.
                std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(failed)?;
                tracing::info!(path = %path.display(), "identity secret created; keep a copy apart from the database backups");
                Self::new(secret.as_bytes())
            }
            Err(e) => Err(failed(e)),
        }
    }

    fn mac(&self, what: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(what.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    pub fn person_key(&self, code: &FiscalCode) -> String {
        self.mac(&code.legacy_person_key())
    }

    /// Tells secrets apart without revealing them.
    fn fingerprint(&self) -> String {
        self.mac("casa-del-cittadino/identity-secret-check")
    }
}

/// A one-time code a clerk reads out or prints: no letters that look alike.
fn activation_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..12).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect();
    format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
}

fn normalise_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// A clerk has seen the citizen's ID document: the citizen is verified (or
/// re-verified, with a new residence) and gets a one-time activation code.
pub async fn issue_activation(
    store: &dyn Store,
    keyer: &PersonKeyer,
    fiscal_code: &FiscalCode,
    residence: IstatCode,
    verified_by: &str,
    now: DateTime<Utc>,
) -> Result<(Citizen, String, DateTime<Utc>), StoreError> {
    let person_key = keyer.person_key(fiscal_code);
    let record = CitizenRecord { id: Uuid::now_v7(), person_key, residence, provider: verified_by.to_owned(), verified_at: now };
    let citizen = store.upsert_citizen(&record).await?;
    let code = activation_code();
    let expires_at = now + Duration::days(ACTIVATION_DAYS);
    store.insert_activation(&hash_token(&normalise_code(&code)), citizen.id, expires_at).await?;
    Ok((citizen.into(), code, expires_at))
}

/// The phone trades an activation code for its token (returned once, stored hashed).
pub async fn activate(store: &dyn Store, code: &str, device: &DeviceId) -> Result<(Citizen, String), ActivateError> {
    let token = random_token();
    let citizen = store
        .activate(&hash_token(&normalise_code(code)), &hash_token(&token), device, Utc::now())
        .await?
        .ok_or(ActivateError::Identity(IdentityError::InvalidActivation))?;
    Ok((citizen.into(), token))
}

#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who sends a sync's signatures: a verified citizen, a token that is no
/// longer valid, or nobody.
#[derive(Debug, Clone)]
pub enum Signer {
    Citizen(Citizen),
    InvalidToken,
    Anonymous,
}

impl Signer {
    /// The citizen, if the token is used from the phone it was issued to.
    pub fn citizen_on(&self, device: &DeviceId) -> Option<&Citizen> {
        match self {
            Signer::Citizen(c) if c.device.is_none_or(|d| d == *device) => Some(c),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fiscal_code_is_accepted_only_with_its_control_character() {
        let ok = FiscalCode::parse(" rssmra80a01h501u ").expect("valid");
        assert_eq!(ok, FiscalCode("RSSMRA80A01H501U".into()));
        for bad in ["RSSMRA80A01H501X", "RSSMRA80A01H501", "RSSMRA80A01H501U1", "RSSMRA80A01H50!U", ""] {
            assert_eq!(FiscalCode::parse(bad), Err(IdentityError::InvalidFiscalCode), "{bad}");
        }
    }

    #[test]
    fn the_same_person_has_the_same_key_the_key_hides_the_code_and_depends_on_the_secret() {
        let keyer = PersonKeyer::new(&[7u8; 32]).expect("secret");
        let a = keyer.person_key(&FiscalCode::parse("RSSMRA80A01H501U").expect("valid"));
        let b = keyer.person_key(&FiscalCode::parse("rssmra80a01h501u").expect("valid"));
        assert_eq!(a, b);
        assert!(!a.contains("RSSMRA"));
        let other = PersonKeyer::new(&[8u8; 32]).expect("secret");
        assert_ne!(other.person_key(&FiscalCode::parse("RSSMRA80A01H501U").expect("valid")), a);
        assert_ne!(FiscalCode::parse("RSSMRA80A01H501U").expect("valid").legacy_person_key(), a);
        assert!(matches!(PersonKeyer::new(b"short"), Err(KeyError::TooShort)));
        assert_eq!(format!("{keyer:?}"), "PersonKeyer(***)");
    }

    #[test]
    fn a_secret_is_made_once_in_the_data_directory_and_read_back() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(SECRET_FILE);
        let code = FiscalCode::parse("RSSMRA80A01H501U").expect("valid");
        assert!(matches!(PersonKeyer::from_file(&path, false), Err(KeyError::Missing { .. })), "only the server makes it");
        let first = PersonKeyer::from_file(&path, true).expect("made").person_key(&code);
        let again = PersonKeyer::from_file(&path, false).expect("read").person_key(&code);
        assert_eq!(first, again);
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1, "no temporary file left");
        // In a data directory not made yet.
        let deeper = dir.path().join("nuova/cartella").join(SECRET_FILE);
        assert!(PersonKeyer::from_file(&deeper, true).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn activation_codes_are_readable_and_typed_loosely() {
        let code = activation_code();
        assert_eq!(code.len(), 14);
        assert!(!code.contains(['0', 'O', '1', 'I']));
        assert_eq!(normalise_code(&code.to_lowercase().replace('-', " ")), code.replace('-', ""));
    }
}
