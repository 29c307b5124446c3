//! `casa-server api-keys create | list | revoke`: keys for Open311 clients
//! and back-offices, each for one Comune (and optionally one department) and
//! what it may do (see [`casa_sync_server::platform::api_keys`]).

use casa_shared_model::IstatCode;
use casa_sync_server::platform::api_keys::{self, KeyScope, Permissions, DEFAULT_PERMISSIONS};
use casa_sync_server::platform::config::Settings;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ApiKeysCommand {
    /// Create a key for one Comune; it is printed once, alone on the last line.
    Create {
        /// Who uses it, e.g. "Gestionale lavori pubblici" (unique among active keys).
        #[arg(long)]
        name: String,
        /// ISTAT code of the Comune it acts for, e.g. 072006.
        #[arg(long)]
        comune: String,
        /// Only this department's reports (its code, e.g. lavori_pubblici); default: the whole Comune.
        #[arg(long)]
        department: Option<String>,
        /// What it may do, comma-separated: file_reports (Open311 POST requests),
        /// update_status (the back-office status route). Default: file_reports.
        #[arg(long)]
        scope: Option<String>,
    },
    /// Every key: id, name, Comune, department, permissions, created, revoked (never the key).
    List,
    /// Revoke a key by its id, or by its name if one active key has it; refused at once.
    Revoke {
        /// The key's id (from `list`) or name.
        id_or_name: String,
    },
}

pub async fn run(s: &Settings, command: ApiKeysCommand) -> anyhow::Result<()> {
    let store = crate::cli::open_store(s).await?;
    let store = store.as_ref();
    let now = chrono::Utc::now();
    match command {
        ApiKeysCommand::Create { name, comune, department, scope } => {
            let comune = IstatCode::parse(&comune)?;
            let permissions = match scope {
                Some(list) => Permissions::parse(&list)?,
                None => DEFAULT_PERMISSIONS,
            };
            let department = department.as_deref().map(str::trim).filter(|d| !d.is_empty());
            let (key, record) = api_keys::issue(store, &name, KeyScope::new(comune, department, permissions), now).await?;
            println!(
                "Chiave API «{}» creata per {} ({}): conservala, non sarà mostrata di nuovo / API key created: keep it, it will not be shown again",
                record.name,
                where_of(&record.scope),
                record.scope.permissions.to_list()
            );
            println!("{key}");
        }
        ApiKeysCommand::List => {
            let keys = store.api_keys().await?;
            if keys.is_empty() {
                println!("Nessuna chiave API / No API key");
                return Ok(());
            }
            println!(
                "{:<36}  {:<30}  {:<7}  {:<20}  {:<26}  {:<20}  {:<20}",
                "id", "name", "comune", "department", "scopes", "created", "revoked"
            );
            for k in keys {
                // In the staff's time, as the dashboard shows it.
                let zone = casa_sync_server::dashboard::i18n::TIME_ZONE;
                let time = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string();
                println!(
                    "{:<36}  {:<30}  {:<7}  {:<20}  {:<26}  {:<20}  {:<20}",
                    k.id,
                    k.name,
                    // A key made before scopes: refused until replaced.
                    k.scope.comune.map_or_else(|| "-".to_owned(), |c| c.as_str().to_owned()),
                    k.scope.department.as_deref().unwrap_or("*"),
                    if k.scope.comune.is_none() { "(not scoped: refused)".to_owned() } else { k.scope.permissions.to_list() },
                    time(k.created_at),
                    k.revoked_at.map(time).unwrap_or_else(|| "-".to_owned())
                );
            }
        }
        ApiKeysCommand::Revoke { id_or_name } => {
            let (key, now_revoked) = api_keys::revoke(store, &id_or_name, now).await?;
            let zone = casa_sync_server::dashboard::i18n::TIME_ZONE;
            let at = key.revoked_at.map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default();
            if now_revoked {
                println!("Chiave API «{}» ({}) revocata: rifiutata da subito / API key revoked: refused from now on", key.name, key.id);
            } else {
                println!("Chiave API «{}» ({}) già revocata il {at} / API key already revoked", key.name, key.id);
            }
        }
    }
    Ok(())
}

fn where_of(scope: &KeyScope) -> String {
    let comune = scope.comune.map(|c| c.as_str().to_owned()).unwrap_or_default();
    match &scope.department {
        Some(d) => format!("{comune}/{d}"),
        None => comune,
    }
}
