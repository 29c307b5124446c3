//! Settings: defaults, then a TOML file, then `CASA_*` environment variables
//! (plus the conventional `DATABASE_URL`), then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub bind: SocketAddr,
    /// `sqlite://...` or `postgres://...`; defaults to `sqlite://<data_dir>/casa.db`.
    pub database_url: Option<String>,
    pub data_dir: PathBuf,
    /// The URL clients reach this server at, for links in answers
    /// (e.g. Open311 `media_url`); defaults to `http://<bind>`.
    pub public_url: Option<String>,
    /// `pretty` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Seconds between checks for configuration changes made by other
    /// processes (a boundary import, another server instance).
    pub reload_interval_secs: u64,
    /// Bootstrap Italia's `dist` folder, served under `/dashboard/static`
    /// (installed by `make`, from `assets/dashboard/package.json`).
    pub dashboard_assets: PathBuf,
    /// Delivery to back-offices: milliseconds between polls of the outbox.
    pub delivery_poll_interval_ms: u64,
    /// Seconds before the first retry; doubled after each failure up to
    /// `delivery_max_backoff_secs`, with jitter.
    pub delivery_base_backoff_secs: u64,
    pub delivery_max_backoff_secs: u64,
    /// Seconds a server keeps a claimed delivery before another may take it.
    pub delivery_lease_secs: u64,
    pub delivery_batch_size: u32,
    pub delivery_timeout_secs: u64,
    /// Attempts before a delivery is marked failed.
    pub delivery_max_attempts: u32,
    /// The secret that keys citizens' fiscal codes (32 characters at least;
    /// `CASA_IDENTITY_SECRET`). Without it the server makes one in its data
    /// directory: enough for one server; several servers on one database
    /// must share the same, and refuse to start otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_secret: Option<Secret>,
    /// Seconds a client has to send a request's headers (also the idle
    /// time after which a kept-alive connection is closed).
    pub http_header_timeout_secs: u64,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// When set, `/metrics` needs `Authorization: Bearer <token>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_token: Option<Secret>,
    /// Photo uploads and image limits (`CASA_UPLOAD_MAX_BYTES`, ...).
    #[serde(flatten)]
    pub uploads: crate::platform::uploads::UploadSettings,
    /// Staff login throttling (`CASA_LOGIN_FREE_FAILURES`, ...; see [`crate::platform::login_throttle`]).
    #[serde(flatten)]
    pub login: crate::platform::login_throttle::LoginSettings,
    /// Limits on new reports per phone, API key and address
    /// (`CASA_REPORTS_PER_HOUR_PER_IP`, ...; see [`crate::platform::ratelimit`]).
    #[serde(flatten)]
    pub rate_limits: crate::platform::ratelimit::RateLimitSettings,
    /// Reverse proxies whose `X-Forwarded-For` is believed, as addresses or
    /// CIDR ranges separated by commas (`CASA_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8`).
    /// Empty (the default): the TCP peer is the client and the header is ignored.
    #[serde(default)]
    pub trusted_proxies: String,
}

/// A setting never printed, in logs or errors.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where `make` installs Bootstrap Italia in a checkout.
pub fn default_dashboard_assets() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/dashboard/node_modules/bootstrap-italia/dist"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: None,
            data_dir: PathBuf::from("./data"),
            public_url: None,
            log_format: LogFormat::Pretty,
            reload_interval_secs: 5,
            dashboard_assets: default_dashboard_assets(),
            delivery_poll_interval_ms: 1000,
            delivery_base_backoff_secs: 10,
            delivery_max_backoff_secs: 3600,
            delivery_lease_secs: 120,
            delivery_batch_size: 32,
            delivery_timeout_secs: 15,
            delivery_max_attempts: 20,
            identity_secret: None,
            http_header_timeout_secs: 15,
            max_connections: 1024,
            metrics_token: None,
            uploads: crate::platform::uploads::UploadSettings::default(),
            login: crate::platform::login_throttle::LoginSettings::default(),
            rate_limits: crate::platform::ratelimit::RateLimitSettings::default(),
            trusted_proxies: String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configurazione non valida / invalid configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Settings {
    /// Loads the settings; `file` is read when given or when `casa.toml`
    /// exists in the working directory.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file("casa.toml")),
        }
        figment = figment.merge(Env::prefixed("CASA_").ignore(&["CONFIG"])).merge(Env::raw().only(&["DATABASE_URL"]));
        figment.extract().map_err(|e| ConfigError(Box::new(e)))
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("casa.db").display()),
        }
    }

    pub fn delivery(&self) -> crate::platform::delivery::DeliveryConfig {
        use std::time::Duration;
        crate::platform::delivery::DeliveryConfig {
            poll_interval: Duration::from_millis(self.delivery_poll_interval_ms),
            base_backoff: Duration::from_secs(self.delivery_base_backoff_secs),
            max_backoff: Duration::from_secs(self.delivery_max_backoff_secs),
            lease: Duration::from_secs(self.delivery_lease_secs),
            batch_size: self.delivery_batch_size,
            request_timeout: Duration::from_secs(self.delivery_timeout_secs),
            max_attempts: self.delivery_max_attempts,
        }
    }

    pub fn connection_limits(&self) -> crate::platform::server::ConnectionLimits {
        crate::platform::server::ConnectionLimits {
            header_timeout: std::time::Duration::from_secs(self.http_header_timeout_secs.max(1)),
            max_connections: self.max_connections.max(1),
            ..crate::platform::server::ConnectionLimits::default()
        }
    }

    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the error type
    fn environment_overrides_the_file_which_overrides_the_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("casa.toml", "bind = \"127.0.0.1:9000\"\ndata_dir = \"/srv/casa\"")?;
            jail.set_env("CASA_BIND", "0.0.0.0:8081");
            jail.set_env("DATABASE_URL", "postgres://u@h/db");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.bind, "0.0.0.0:8081".parse::<SocketAddr>().expect("addr"));
            assert_eq!(s.data_dir, PathBuf::from("/srv/casa"));
            assert_eq!(s.database_url(), "postgres://u@h/db");
            Ok(())
        });
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the error type
    fn delivery_settings_default_sensibly_and_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("CASA_DELIVERY_MAX_ATTEMPTS", "5");
            jail.set_env("CASA_DELIVERY_LEASE_SECS", "300");
            let d = Settings::load(None).map_err(|e| e.to_string())?.delivery();
            assert_eq!(d.max_attempts, 5);
            assert_eq!(d.lease, std::time::Duration::from_secs(300));
            assert_eq!(d.base_backoff, crate::platform::delivery::DeliveryConfig::default().base_backoff);
            assert_eq!(Settings::default().delivery(), crate::platform::delivery::DeliveryConfig::default());
            Ok(())
        });
    }

    #[test]
    fn without_a_database_url_the_embedded_sqlite_file_is_in_the_data_dir() {
        let s = Settings { data_dir: PathBuf::from("./data"), ..Settings::default() };
        assert_eq!(s.database_url(), "sqlite://./data/casa.db");
    }
}
