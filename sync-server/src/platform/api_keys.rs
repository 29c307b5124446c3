//! What an API key may do (issue 14, point 2). Every key is made for one
//! Comune, optionally one of its departments, and a set of permissions:
//! `file_reports` (Open311 `POST requests`) and `update_status` (the
//! back-office's `POST /api/v1/backoffice/reports/{id}/status`). A key is
//! printed once, stored by its hash ([`crate::platform::auth::hash_api_key`]), listed
//! without either, and revoked by id or name (`casa-server api-keys ...`).
//!
//! Keys made before scopes existed have no Comune: they are refused with
//! 403 `key_not_scoped` rather than left with the power to touch every
//! Comune, and the message tells the operator what to do.

use axum::http::StatusCode;
use casa_shared_model::IstatCode;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::platform::error::ApiError;
use crate::store::{ApiKeyRecord, Store, StoreError};

/// One thing a key may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// File new reports through Open311.
    FileReports,
    /// Move the reports of its scope along (in progress, resolved, closed).
    UpdateStatus,
}

impl Permission {
    pub const ALL: [Permission; 2] = [Permission::FileReports, Permission::UpdateStatus];

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::FileReports => "file_reports",
            Permission::UpdateStatus => "update_status",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s.trim())
    }
}

/// A set of [`Permission`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions {
    file_reports: bool,
    update_status: bool,
}

/// What a key made without `--scope` may do: file reports only. Changing
/// statuses is the power an attacker wanted (closing any report), so it is
/// given only when asked for by name.
pub const DEFAULT_PERMISSIONS: Permissions = Permissions { file_reports: true, update_status: false };

impl Permissions {
    pub fn of(list: &[Permission]) -> Self {
        let mut p = Self::default();
        for &one in list {
            match one {
                Permission::FileReports => p.file_reports = true,
                Permission::UpdateStatus => p.update_status = true,
            }
        }
        p
    }

    pub fn contains(self, p: Permission) -> bool {
        match p {
            Permission::FileReports => self.file_reports,
            Permission::UpdateStatus => self.update_status,
        }
    }

    pub fn is_empty(self) -> bool {
        !self.file_reports && !self.update_status
    }

    /// `file_reports,update_status` (blanks ignored); an unknown name is an
    /// error, not silently dropped.
    pub fn parse(list: &str) -> Result<Self, ScopeError> {
        let mut found = Vec::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            found.push(Permission::parse(name).ok_or_else(|| ScopeError::UnknownPermission(name.chars().take(40).collect()))?);
        }
        Ok(Self::of(&found))
    }

    /// The stored and printed form: the names, comma-separated, in a fixed order.
    pub fn to_list(self) -> String {
        Permission::ALL.into_iter().filter(|p| self.contains(*p)).map(Permission::as_str).collect::<Vec<_>>().join(",")
    }
}

/// Where and what a key may act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyScope {
    /// None only for keys made before scopes existed: they are refused.
    pub comune: Option<IstatCode>,
    /// None: every department of the Comune.
    pub department: Option<String>,
    pub permissions: Permissions,
}

impl KeyScope {
    pub fn new(comune: IstatCode, department: Option<&str>, permissions: Permissions) -> Self {
        Self { comune: Some(comune), department: department.map(str::to_owned), permissions }
    }

    /// Whether a report of this Comune and department is within the key's reach.
    pub fn covers(&self, comune: &IstatCode, department: &str) -> bool {
        self.comune.as_ref() == Some(comune) && self.department.as_deref().is_none_or(|d| d == department)
    }

    /// Whether the key may do `what` (somewhere in its scope).
    pub fn allows(&self, what: Permission) -> bool {
        self.comune.is_some() && self.permissions.contains(what)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("permesso sconosciuto «{0}»: file_reports o update_status / unknown permission: file_reports or update_status")]
    UnknownPermission(String),
}

/// Why a key was not accepted for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRefusal {
    /// Missing, unknown or revoked.
    Invalid,
    /// Made before keys had a scope.
    NotScoped,
    /// The key lacks this permission.
    ScopeMissing(Permission),
    /// The report or its location belongs to another Comune or department.
    OutsideScope,
    /// The key could not be checked (the store failed; logged).
    Unavailable,
}

impl KeyRefusal {
    /// The answer of the native API. [`KeyRefusal::OutsideScope`] is 403
    /// here, for a report being filed; for an existing report the caller
    /// answers 404 instead, so that ids cannot be probed with a key.
    pub fn to_api_error(self) -> ApiError {
        match self {
            KeyRefusal::Invalid => ApiError::invalid_api_key(),
            KeyRefusal::NotScoped => ApiError::new(
                StatusCode::FORBIDDEN,
                "key_not_scoped",
                "Questa chiave API è stata creata prima degli ambiti e non vale più: creane una nuova con \
                 `casa-server api-keys create --name N --comune ISTAT [--department D] [--scope ...]` e revoca questa / \
                 This API key predates scopes and no longer works: create a scoped one with \
                 `casa-server api-keys create --name N --comune ISTAT [--department D] [--scope ...]` and revoke this one",
            ),
            KeyRefusal::ScopeMissing(p) => ApiError::new(
                StatusCode::FORBIDDEN,
                "scope_missing",
                format!("Questa chiave API non ha il permesso «{0}» / This API key lacks the «{0}» permission", p.as_str()),
            ),
            KeyRefusal::OutsideScope => ApiError::new(
                StatusCode::FORBIDDEN,
                "outside_scope",
                "La posizione o la categoria è di un Comune o di un ufficio per cui questa chiave API non vale / \
                 The location or category belongs to a Comune or department this API key is not for",
            ),
            KeyRefusal::Unavailable => ApiError::internal(),
        }
    }
}

/// The key a request presents, if it is known, not revoked and scoped.
pub async fn authenticate(store: &dyn Store, key: &str) -> Result<ApiKeyRecord, KeyRefusal> {
    let record = store.api_key_by_hash(&crate::platform::auth::hash_api_key(key)).await.map_err(|e| {
        tracing::error!(error = %e, "API key lookup failed");
        KeyRefusal::Unavailable
    })?;
    match record {
        Some(k) if k.revoked_at.is_some() => Err(KeyRefusal::Invalid),
        Some(k) if k.scope.comune.is_none() => Err(KeyRefusal::NotScoped),
        Some(k) => Ok(k),
        None => Err(KeyRefusal::Invalid),
    }
}

/// [`authenticate`], then the key must allow `what`.
pub async fn authorize(store: &dyn Store, key: &str, what: Permission) -> Result<ApiKeyRecord, KeyRefusal> {
    let k = authenticate(store, key).await?;
    if k.scope.allows(what) {
        Ok(k)
    } else {
        Err(KeyRefusal::ScopeMissing(what))
    }
}

/// Whether a key may file this report: the Comune (and department) its
/// location and category route to must be the key's. Checked before the
/// report is stored; a report that does not parse or route is left to the
/// normal checks, which refuse it with their own reasons.
pub fn may_file(
    directory: &crate::platform::directory::Directory,
    scope: &KeyScope,
    payload: &casa_shared_model::wire::ReportPayload,
    now: DateTime<Utc>,
) -> Result<(), KeyRefusal> {
    let Ok(report) = casa_shared_model::NewReport::parse(payload, now) else {
        return Ok(());
    };
    match directory.destination(&report) {
        Ok(d) if !scope.covers(&d.comune, &d.department) => Err(KeyRefusal::OutsideScope),
        _ => Ok(()),
    }
}

pub const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum KeyAdminError {
    #[error("il nome deve avere da 1 a {MAX_NAME_CHARS} caratteri, senza caratteri di controllo / the name needs 1 to {MAX_NAME_CHARS} characters, no control characters")]
    InvalidName,
    #[error("una chiave attiva si chiama già «{0}»: scegli un altro nome o revocala / an active key is already named so: choose another name or revoke it")]
    NameTaken(String),
    #[error("Comune {0} sconosciuto / unknown Comune")]
    UnknownComune(IstatCode),
    #[error("il Comune {comune} non ha l'ufficio «{department}» (uffici: {known}) / no such department")]
    UnknownDepartment { comune: IstatCode, department: String, known: String },
    #[error("serve almeno un permesso: file_reports, update_status / at least one permission is needed")]
    NoPermissions,
    #[error("una chiave vale per un Comune: indica --comune / a key is for one Comune: give --comune")]
    NoComune,
    #[error("nessuna chiave «{0}» / no such key")]
    NotFound(String),
    #[error("più chiavi attive si chiamano «{name}»: indica l'id ({ids}) / several active keys have that name: give the id")]
    Ambiguous { name: String, ids: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Makes a key for `scope` (whose Comune and department must exist) and
/// returns it in clear, the only time it is seen, with its record.
pub async fn issue(store: &dyn Store, name: &str, scope: KeyScope, at: DateTime<Utc>) -> Result<(String, ApiKeyRecord), KeyAdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(KeyAdminError::InvalidName);
    }
    if scope.permissions.is_empty() {
        return Err(KeyAdminError::NoPermissions);
    }
    let comune = scope.comune.ok_or(KeyAdminError::NoComune)?;
    let configs = store.comune_configs().await?;
    let config = configs.iter().find(|c| c.istat_code == comune).ok_or(KeyAdminError::UnknownComune(comune))?;
    if let Some(d) = &scope.department {
        if !config.departments.iter().any(|x| &x.code == d) {
            let known = config.departments.iter().map(|x| x.code.as_str()).collect::<Vec<_>>().join(", ");
            return Err(KeyAdminError::UnknownDepartment { comune, department: d.clone(), known });
        }
    }
    // Names stay unambiguous among active keys, so `revoke NAME` revokes the right one.
    if store.api_keys().await?.iter().any(|k| k.revoked_at.is_none() && k.name == name) {
        return Err(KeyAdminError::NameTaken(name.to_owned()));
    }
    let (key, hash) = crate::platform::auth::generate_api_key();
    let record = ApiKeyRecord { id: Uuid::now_v7(), name: name.to_owned(), scope, created_at: at, revoked_at: None };
    store.insert_api_key(&record, &hash).await?;
    Ok((key, record))
}

/// Revokes the key with this id, or the one active key with this name.
/// Answers the key as it is now and whether this call revoked it (a key
/// revoked before keeps its first revocation time).
pub async fn revoke(store: &dyn Store, id_or_name: &str, at: DateTime<Utc>) -> Result<(ApiKeyRecord, bool), KeyAdminError> {
    let wanted = id_or_name.trim();
    let keys = store.api_keys().await?;
    let key = match Uuid::parse_str(wanted).ok().and_then(|id| keys.iter().find(|k| k.id == id)) {
        Some(k) => k.clone(),
        None => {
            let named: Vec<&ApiKeyRecord> = keys.iter().filter(|k| k.name == wanted).collect();
            let active: Vec<&&ApiKeyRecord> = named.iter().filter(|k| k.revoked_at.is_none()).collect();
            match (active.as_slice(), named.first()) {
                ([one], _) => (**one).clone(),
                ([], Some(revoked)) => (*revoked).clone(),
                ([], None) => return Err(KeyAdminError::NotFound(wanted.chars().take(100).collect())),
                (many, _) => {
                    let ids = many.iter().map(|k| k.id.to_string()).collect::<Vec<_>>().join(", ");
                    return Err(KeyAdminError::Ambiguous { name: wanted.to_owned(), ids });
                }
            }
        }
    };
    if key.revoked_at.is_some() {
        return Ok((key, false));
    }
    store.revoke_api_key(key.id, at).await?;
    Ok((ApiKeyRecord { revoked_at: Some(at), ..key }, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bari() -> IstatCode {
        IstatCode::parse("072006").expect("code")
    }

    #[test]
    fn permissions_read_and_print_as_a_comma_separated_list_and_unknown_names_are_refused() {
        let both = Permissions::parse(" update_status , file_reports,").expect("parse");
        assert_eq!(both, Permissions::of(&Permission::ALL));
        assert_eq!(both.to_list(), "file_reports,update_status");
        assert_eq!(Permissions::parse("file_reports").expect("parse"), DEFAULT_PERMISSIONS);
        assert!(Permissions::parse("").expect("parse").is_empty());
        assert!(matches!(Permissions::parse("file_reports,admin"), Err(ScopeError::UnknownPermission(n)) if n == "admin"));
    }

    #[test]
    fn a_scope_covers_its_comune_and_department_only_and_an_unscoped_key_allows_nothing() {
        let monopoli = IstatCode::parse("072030").expect("code");
        let comune_wide = KeyScope::new(bari(), None, DEFAULT_PERMISSIONS);
        assert!(comune_wide.covers(&bari(), "lavori_pubblici") && comune_wide.covers(&bari(), "ambiente"));
        assert!(!comune_wide.covers(&monopoli, "lavori_pubblici"));
        let one_office = KeyScope::new(bari(), Some("lavori_pubblici"), Permissions::of(&[Permission::UpdateStatus]));
        assert!(one_office.covers(&bari(), "lavori_pubblici") && !one_office.covers(&bari(), "ambiente"));
        assert!(one_office.allows(Permission::UpdateStatus) && !one_office.allows(Permission::FileReports));
        let legacy = KeyScope { comune: None, department: None, permissions: Permissions::of(&Permission::ALL) };
        assert!(!legacy.allows(Permission::FileReports) && !legacy.allows(Permission::UpdateStatus));
        assert!(!legacy.covers(&bari(), "lavori_pubblici"));
    }

    #[test]
    fn refusals_carry_stable_codes() {
        let codes: Vec<(u16, &str)> =
            [KeyRefusal::Invalid, KeyRefusal::NotScoped, KeyRefusal::ScopeMissing(Permission::UpdateStatus), KeyRefusal::OutsideScope]
                .into_iter()
                .map(|r| {
                    let e = r.to_api_error();
                    (e.status.as_u16(), e.code)
                })
                .collect();
        assert_eq!(codes, vec![(401, "invalid_api_key"), (403, "key_not_scoped"), (403, "scope_missing"), (403, "outside_scope")]);
    }
}
