//! The HTTP error: a status, a stable snake_case code and a message for
//! people. Internals (SQL, paths, stack traces) are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use casa_shared_model::status::InvalidTransition;
use casa_shared_model::wire::ApiErrorBody;

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Seconds to wait before trying again, sent as `Retry-After`.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None }
    }

    /// The same error, telling the client to wait `seconds` (at least 1).
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "Risorsa non trovata / Not found")
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Credenziali mancanti o non valide / Missing or invalid credentials")
    }

    /// A machine's API key missing, unknown or revoked.
    pub fn invalid_api_key() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_api_key",
            "Chiave API mancante o non valida (Authorization: Bearer <chiave>) / Missing or invalid API key (Authorization: Bearer <key>)",
        )
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Accesso non consentito / Access denied")
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Errore interno del server, riprova più tardi / Internal server error, please retry later",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Servizio momentaneamente non disponibile / Service temporarily unavailable",
        )
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => ApiError::not_found(),
            ServiceError::Forbidden => ApiError::forbidden(),
            ServiceError::Rejected { code, message } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message),
            ServiceError::InvalidTransition(t) => ApiError::new(StatusCode::CONFLICT, "invalid_transition", t.to_string()),
            ServiceError::StaleStatus => ApiError::new(
                StatusCode::CONFLICT,
                "status_changed",
                "Lo stato è cambiato nel frattempo: ricarica / The status changed meanwhile: reload",
            ),
            ServiceError::Store(e) => {
                tracing::error!(error = %e, "store failure");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(ApiErrorBody { code: self.code.to_owned(), message: self.message })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            let challenge = if self.code == "invalid_api_key" || self.code == "invalid_token" {
                "Bearer realm=\"Casa del Cittadino\""
            } else if self.code.starts_with("device_key") {
                // A phone's headers (see crate::platform::device), not a password: no browser login box.
                "CasaDevice realm=\"Casa del Cittadino\""
            } else {
                "Basic realm=\"Casa del Cittadino\", charset=\"UTF-8\""
            };
            res.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static(challenge));
        }
        if let Some(seconds) = self.retry_after {
            res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
        }
        res
    }
}

/// What a component's service answers when it does not do what was asked;
/// each face (API, dashboard, Open311) maps it to its own errors.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{message}")]
    Rejected { code: &'static str, message: String },
    #[error(transparent)]
    InvalidTransition(#[from] InvalidTransition),
    #[error("the status changed meanwhile")]
    StaleStatus,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A refusal with a stable code and a message for people.
pub fn rejected(code: &'static str, message: impl Into<String>) -> ServiceError {
    ServiceError::Rejected { code, message: message.into() }
}
