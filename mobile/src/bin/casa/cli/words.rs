//! What the command line says, in the words of the app's Fluent files
//! (`cli.ftl` for what only it says) and in the language the citizen chose
//! in the app, else the system's. Its errors are told as the app tells
//! them; the detail for developers shows with `CASA_DEBUG=1`.

use std::path::PathBuf;
use std::sync::OnceLock;

use casa_mobile::explain::FileUnreadable;
use casa_mobile::i18n::{Explain, Lang, Words};
use casa_mobile::inspector::InspectorError;
use casa_mobile::photo::PhotoError;
use casa_mobile::sections::SectionError;
use casa_mobile::services::petitions::{ProposeRefused, SignRefused};
use casa_mobile::store::{LocalStore, ReopenRefused};
use casa_mobile::sync::SyncFailure;
use casa_mobile::{ClientError, StoreError};
use casa_shared_model::i18n::Arg;
use casa_shared_model::inspection::InspectionError;
use casa_shared_model::report::{ReopenError, ReportError};

static LANG: OnceLock<Lang> = OnceLock::new();

/// Takes the app's language setting, once the phone's store is open.
pub(super) fn choose_language(store: &LocalStore) {
    let chosen = store.setting("lang").ok().flatten().map(|code| Lang::from_code(&code)).unwrap_or_else(Lang::of_system);
    let _ = LANG.set(chosen);
}

pub(super) fn lang() -> Lang {
    LANG.get().copied().unwrap_or_else(Lang::of_system)
}

pub(super) fn t(key: &str) -> String {
    lang().tr(key)
}

pub(super) fn t_with(key: &str, args: &[(&str, Arg)]) -> String {
    lang().tr_with(key, args)
}

/// What only the command line refuses; the `Display` is for developers.
#[derive(Debug, thiserror::Error)]
pub(super) enum CliError {
    // The one is told by builds with the app, the other by builds without.
    #[cfg_attr(not(feature = "gui"), allow(dead_code))]
    #[error("no display (DISPLAY and WAYLAND_DISPLAY unset)")]
    NoDisplay,
    #[cfg_attr(feature = "gui", allow(dead_code))]
    #[error("this build is the command line alone")]
    CommandLineOnly,
    #[error("cannot open the local data in {}", .dir.display())]
    CannotOpenData {
        dir: PathBuf,
        #[source]
        cause: StoreError,
    },
    #[error("{0} signatures not yet sent")]
    PendingSignatures(u64),
    #[error("invalid id «{0}»")]
    InvalidId(String),
    #[error("report not on this device: {0}")]
    ReportNotOnPhone(String),
    #[error("no home Comune")]
    ChooseComune,
    #[error("invalid ISTAT code «{0}»")]
    InvalidComuneCode(String),
    #[error("invalid position «{0}»")]
    InvalidPosition(String),
    #[error("invalid network «{0}»")]
    InvalidNetwork(String),
    #[error("sync failed, {waiting} items still waiting")]
    SyncFailed {
        waiting: u64,
        #[source]
        cause: SyncFailure,
    },
    #[error("offline, and no leaderboard kept: {0}")]
    OfflineNoLeaderboard(#[source] ClientError),
    #[error("visit refused")]
    VisitRefused(#[source] InspectionError),
    #[error("cannot read the password from standard input")]
    CannotReadPassword(#[source] std::io::Error),
}

impl Explain for CliError {
    fn words(&self) -> Words {
        match self {
            CliError::NoDisplay => Words::new("cli-error-no-display"),
            CliError::CommandLineOnly => Words::new("cli-error-command-line-only"),
            CliError::CannotOpenData { dir, .. } => Words::new("cli-error-cannot-open-data").with("dir", dir.display().to_string()),
            CliError::PendingSignatures(n) => Words::new("cli-error-pending-signatures").with("n", *n),
            CliError::InvalidId(id) => Words::new("cli-error-invalid-id").with("id", id.as_str()),
            CliError::ReportNotOnPhone(id) => Words::new("cli-error-report-not-on-phone").with("id", id.as_str()),
            CliError::ChooseComune => Words::new("cli-error-choose-comune"),
            CliError::InvalidComuneCode(code) => Words::new("cli-error-invalid-comune-code").with("code", code.as_str()),
            CliError::InvalidPosition(value) => Words::new("cli-error-invalid-position").with("value", value.as_str()),
            CliError::InvalidNetwork(value) => Words::new("cli-error-invalid-network").with("value", value.as_str()),
            CliError::SyncFailed { waiting, .. } => Words::new("cli-error-sync-failed").with("waiting", *waiting),
            CliError::OfflineNoLeaderboard(_) => Words::new("cli-error-offline-no-leaderboard"),
            CliError::VisitRefused(_) => Words::new("cli-error-visit-refused"),
            CliError::CannotReadPassword(_) => Words::new("cli-error-cannot-read-password"),
        }
    }
}

/// The words of an error and of each cause that has its own, in order.
fn told(e: &anyhow::Error) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for cause in e.chain() {
        if let Some(words) = words_of(cause) {
            let text = lang().words(&words);
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

fn words_of(e: &(dyn std::error::Error + 'static)) -> Option<Words> {
    macro_rules! as_any_of {
        ($($t:ty),*) => {$(
            if let Some(x) = e.downcast_ref::<$t>() {
                return Some(x.words());
            }
        )*};
    }
    as_any_of!(
        CliError,
        StoreError,
        ClientError,
        SyncFailure,
        SectionError,
        InspectorError,
        PhotoError,
        FileUnreadable,
        ReopenRefused,
        ReopenError,
        ReportError,
        InspectionError,
        SignRefused,
        ProposeRefused
    );
    None
}

/// Prints a failed command's error on standard error.
pub(super) fn print_error(e: &anyhow::Error) {
    let told = told(e);
    match told.split_first() {
        Some((first, rest)) => {
            eprintln!("{}", t_with("cli-error", &[("words", first.as_str().into())]));
            for line in rest {
                eprintln!("  {line}");
            }
        }
        None => eprintln!("{}", t("cli-error-unexpected")),
    }
    if std::env::var_os("CASA_DEBUG").is_some_and(|v| v != "0") {
        eprintln!("casa: {e:#}");
    }
}
