use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use casa_shared_model::{geo, IstatCode};
use casa_sync_server::platform::auth::{self, Role};
use casa_sync_server::platform::config::{LogFormat, Settings};
use casa_sync_server::platform::delivery;
use casa_sync_server::store::{self, BoundaryImport, DeliveryKind, DeliveryTarget, StaffUserRecord};
use clap::{Parser, Subcommand};

use crate::key_commands::ApiKeysCommand;

#[derive(Debug, Parser)]
#[command(name = "casa-server", version, about = "Casa del Cittadino: server di sincronizzazione / sync server")]
struct Cli {
    /// Settings file (TOML); `casa.toml` in the working directory is read if present.
    #[arg(long, global = true, env = "CASA_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://... (also DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Where the embedded database and uploaded files live (also CASA_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the server.
    Serve {
        /// Address to listen on (also CASA_BIND), e.g. 127.0.0.1:8080.
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
    },
    /// Official municipal boundaries.
    Boundaries {
        #[command(subcommand)]
        command: BoundariesCommand,
    },
    /// The Comuni's services, turned on and off.
    Comuni {
        #[command(subcommand)]
        command: crate::comuni_commands::ComuniCommand,
    },
    /// API keys for Open311 clients and back-office systems, each for one Comune.
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Staff accounts (moderators, inspectors, operators, admins).
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Delivery of published reports to each department's back-office.
    Delivery {
        #[command(subcommand)]
        command: DeliveryCommand,
    },
    /// Citizens' verified identities (for petition signatures).
    Citizens {
        #[command(subcommand)]
        command: CitizensCommand,
    },
}

#[derive(Debug, Subcommand)]
enum CitizensCommand {
    /// A clerk has checked the citizen's ID document: record them and print a one-time
    /// activation code for their phone (valid 30 days). The fiscal code is not stored.
    Verify {
        #[arg(long)]
        fiscal_code: String,
        /// ISTAT code of the Comune of residence.
        #[arg(long)]
        comune: String,
        /// The clerk's email, for the record.
        #[arg(long)]
        by: String,
    },
}

#[derive(Debug, Subcommand)]
enum DeliveryCommand {
    /// Set where a department of a Comune receives its published reports: a signed webhook or an
    /// Open311 server. Replaces the previous setting; deliveries still pending follow it.
    /// Without --secret the secret (or API key) is read from standard input, out of the shell history.
    Set {
        /// ISTAT code of the Comune, e.g. 072006.
        #[arg(long)]
        comune: String,
        /// Department code, e.g. lavori_pubblici.
        #[arg(long)]
        department: String,
        /// Webhook URL: a JSON POST signed with HMAC-SHA256.
        #[arg(long, conflicts_with = "open311", required_unless_present = "open311")]
        webhook: Option<String>,
        /// Base URL of an Open311 GeoReport v2 server (requests.json is appended).
        #[arg(long)]
        open311: Option<String>,
        /// The webhook's signing secret (16 characters at least), or the Open311 api_key.
        #[arg(long, visible_alias = "api-key")]
        secret: Option<String>,
        /// The Open311 service_code to file reports under (default: the report's category).
        #[arg(long, conflicts_with = "webhook")]
        service_code: Option<String>,
    },
    /// The targets, with their pending, delivered and failed deliveries (secrets are never shown).
    List,
    /// Pause a target: its reports wait in the outbox until it is enabled again.
    Disable {
        #[arg(long)]
        comune: String,
        #[arg(long)]
        department: String,
    },
    /// Resume a paused target.
    Enable {
        #[arg(long)]
        comune: String,
        #[arg(long)]
        department: String,
    },
    /// Deliveries that ran out of attempts, the newest first.
    Failed {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Queue a target's failed deliveries again, their attempts counted from zero.
    Retry {
        #[arg(long)]
        comune: String,
        #[arg(long)]
        department: String,
    },
}

#[derive(Debug, Subcommand)]
enum BoundariesCommand {
    /// Import ISTAT-style GeoJSON (properties com_istat_code and name; .geojson or .geojson.gz),
    /// replacing each Comune's boundary.
    Import {
        file: PathBuf,
        /// Also create Comuni the platform does not serve yet (otherwise they are skipped).
        #[arg(long)]
        add_new: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add a staff account; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        /// moderator, inspector, operator or admin.
        #[arg(long)]
        role: String,
        /// ISTAT code of a Comune the account works for (repeatable).
        #[arg(long = "comune")]
        comuni: Vec<String>,
        /// The department an operator works for (its code, e.g. lavori_pubblici).
        #[arg(long)]
        department: Option<String>,
    },
}

pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("errore / error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("errore / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let mut s = Settings::load(cli.config.as_deref())?;
    if let Some(url) = &cli.database_url {
        s.database_url = Some(url.clone());
    }
    if let Some(dir) = &cli.data_dir {
        s.data_dir = dir.clone();
    }
    Ok(s)
}

pub(crate) async fn open_store(s: &Settings) -> anyhow::Result<std::sync::Arc<dyn store::Store>> {
    let url = s.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&s.data_dir).with_context(|| format!("cannot create the data directory {}", s.data_dir.display()))?;
    }
    let store = store::connect(&url).await.with_context(|| format!("cannot open the database {}", store::redact_url(&url)))?;
    store.seed_comuni(&casa_sync_server::platform::seed::bari_comuni()).await?;
    Ok(store)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let s = settings(&cli)?;
    match cli.command {
        Command::Serve { bind } => serve(Settings { bind: bind.unwrap_or(s.bind), ..s }).await,
        Command::Boundaries { command: BoundariesCommand::Import { file, add_new } } => import_boundaries(&s, &file, add_new).await,
        Command::Comuni { command } => crate::comuni_commands::run(&s, command).await,
        Command::ApiKeys { command } => crate::key_commands::run(&s, command).await,
        Command::Users { command: UsersCommand::Add { email, role, comuni, department } } => {
            add_user(&s, &email, &role, &comuni, department.as_deref()).await
        }
        Command::Delivery { command } => delivery_command(&s, command).await,
        Command::Citizens { command: CitizensCommand::Verify { fiscal_code, comune, by } } => {
            verify_citizen(&s, &fiscal_code, &comune, &by).await
        }
    }
}

async fn verify_citizen(s: &Settings, fiscal_code: &str, comune: &str, by: &str) -> anyhow::Result<()> {
    let fiscal_code = casa_sync_server::components::identity::FiscalCode::parse(fiscal_code)?;
    let comune = IstatCode::parse(comune)?;
    let by = auth::parse_email(by)?;
    let store = open_store(s).await?;
    let known = store.comune_configs().await?;
    let Some(entry) = known.iter().find(|k| k.istat_code == comune) else {
        bail!("Comune {comune} sconosciuto / unknown Comune");
    };
    let secret = s.identity_secret.as_ref().map(|x| x.expose());
    // Only the server makes the secret: a clerk's command run elsewhere
    // must not fix one of its own for the database.
    let keyer = casa_sync_server::components::identity::PersonKeyer::resolve(store.as_ref(), secret, &s.data_dir, false).await?;
    let by = format!("staff:{by}");
    let (_, code, expires_at) =
        casa_sync_server::components::identity::issue_activation(store.as_ref(), &keyer, &fiscal_code, comune, &by, chrono::Utc::now())
            .await?;
    println!(
        "Identità verificata, residente a {}: consegna il codice al cittadino, vale fino al {} / identity verified; give the code to the citizen",
        entry.name,
        expires_at.with_timezone(&casa_sync_server::dashboard::i18n::TIME_ZONE).format("%d/%m/%Y %H:%M")
    );
    println!("{code}");
    Ok(())
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Pretty => builder.init(),
    }
}

async fn serve(s: Settings) -> anyhow::Result<()> {
    init_logs(s.log_format);
    let url = s.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&s.data_dir).with_context(|| format!("cannot create the data directory {}", s.data_dir.display()))?;
    }
    let listener = tokio::net::TcpListener::bind(s.bind).await.with_context(|| format!("cannot listen on {}", s.bind))?;
    let bound = listener.local_addr()?;
    let public_url = s.public_url(bound);
    let secret = s.identity_secret.as_ref().map(|x| x.expose());
    if secret.is_none() && !url.starts_with("sqlite:") {
        tracing::warn!("no CASA_IDENTITY_SECRET: this server keeps its own in the data directory; servers sharing the database must all be given the same one");
    }
    let state = casa_sync_server::bootstrap(&url, public_url.clone(), &s.data_dir, secret)
        .await
        .with_context(|| format!("cannot open the database {}", store::redact_url(&url)))?;
    tracing::info!(database = %store::redact_url(&url), backend = state.store().backend(), "database ready");
    if !s.dashboard_assets.join("css/bootstrap-italia.min.css").is_file() {
        tracing::warn!(dir = %s.dashboard_assets.display(), "Bootstrap Italia not found: the dashboard works unstyled (run `make` or set CASA_DASHBOARD_ASSETS)");
    }
    if s.public_url.is_none() {
        state.set_public_url_guessed();
    }
    state.set_dashboard_assets(s.dashboard_assets.clone());
    state.set_metrics_token(s.metrics_token.clone());
    state.set_upload_settings(s.uploads.clone());
    state.set_login_settings(&s.login);
    state.set_trusted_proxies(casa_sync_server::platform::client_ip::TrustedProxies::parse(&s.trusted_proxies)?);
    state.set_rate_limits(&s.rate_limits);
    let reloader = casa_sync_server::spawn_reloader(state.clone(), std::time::Duration::from_secs(s.reload_interval_secs.max(1)));
    let deliveries = delivery::spawn_delivery_worker(state.clone(), s.delivery())?;
    let background = casa_sync_server::spawn_background(&state);
    let upload_sweeper = casa_sync_server::platform::uploads::spawn_upload_sweeper(state.clone(), std::time::Duration::from_secs(600));
    // The bound address first: scripts and tests read it from this line.
    match &s.public_url {
        Some(_) => {
            println!("Casa del Cittadino in ascolto su / listening on http://{bound} (indirizzo pubblico / public URL {public_url})")
        }
        None => println!("Casa del Cittadino in ascolto su / listening on {public_url}"),
    }
    std::io::stdout().flush().ok();
    casa_sync_server::platform::server::serve_with(listener, state, s.connection_limits(), shutdown_signal()).await?;
    reloader.abort();
    background.iter().for_each(|task| task.abort());
    upload_sweeper.abort();
    // Lets the deliveries in flight finish; any cut short go again later.
    deliveries.stop().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

fn read_geojson(file: &Path) -> anyhow::Result<String> {
    let raw = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut text = String::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_string(&mut text)
            .with_context(|| format!("cannot decompress {}", file.display()))?;
        Ok(text)
    } else {
        String::from_utf8(raw).with_context(|| format!("{} is not UTF-8 text", file.display()))
    }
}

async fn import_boundaries(s: &Settings, file: &Path, add_new: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    eprintln!("Lettura di {} … / Reading …", file.display());
    let text = read_geojson(file)?;
    let boundaries = geo::parse_boundaries_geojson(&text).with_context(|| format!("{} is not a valid boundary file", file.display()))?;
    eprintln!("{} confini letti in {:.1} s / boundaries read", boundaries.len(), started.elapsed().as_secs_f64());
    let imports: Vec<BoundaryImport> = boundaries
        .into_iter()
        .map(|b| BoundaryImport { istat_code: b.istat_code, name: b.name, geometry_json: geo::boundary_to_geojson(&b.shape) })
        .collect();
    let store = open_store(s).await?;
    let summary = store.import_boundaries(&imports, add_new).await?;
    if !summary.skipped.is_empty() {
        eprintln!(
            "{} Comuni ignorati perché non serviti dalla piattaforma (usa --add-new per aggiungerli) / skipped, not served (use --add-new)",
            summary.skipped.len()
        );
    }
    println!(
        "Importati i confini di {} Comuni ({} aggiornati, {} nuovi) / Imported the boundaries of {} Comuni",
        summary.updated + summary.added,
        summary.updated,
        summary.added,
        summary.updated + summary.added
    );
    Ok(())
}

async fn add_user(s: &Settings, email: &str, role: &str, comuni: &[String], department: Option<&str>) -> anyhow::Result<()> {
    let email = auth::parse_email(email)?;
    let role = Role::parse(role)?;
    let comuni = comuni.iter().map(|c| IstatCode::parse(c)).collect::<Result<Vec<_>, _>>()?;
    if role != Role::Admin && comuni.is_empty() {
        bail!("serve almeno un --comune per questo ruolo / at least one --comune is required for this role");
    }
    let department = department.map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
    match (role, &department) {
        (Role::Operator, None) => bail!("un operatore lavora per un ufficio: indica --department / an operator needs --department"),
        (Role::Operator, Some(_)) => {}
        (_, Some(_)) => bail!("--department vale solo per gli operatori / --department is for operators only"),
        (_, None) => {}
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (almeno {} caratteri / at least {} characters): ", auth::MIN_PASSWORD_CHARS, auth::MIN_PASSWORD_CHARS);
    }
    let mut password = String::new();
    stdin.lock().read_line(&mut password).context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\n', '\r']).to_owned();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password)).await??;
    let store = open_store(s).await?;
    let known = store.comune_configs().await?;
    if let Some(unknown) = comuni.iter().find(|c| !known.iter().any(|k| k.istat_code == **c)) {
        bail!("Comune {unknown} sconosciuto / unknown Comune");
    }
    if let Some(d) = &department {
        // The same code in each Comune: an office that one of them lacks is a typo.
        for k in known.iter().filter(|k| comuni.contains(&k.istat_code)) {
            if !k.departments.iter().any(|x| &x.code == d) {
                let codes: Vec<&str> = k.departments.iter().map(|x| x.code.as_str()).collect();
                bail!("il Comune di {} non ha l'ufficio «{d}» (uffici: {}) / no such department", k.name, codes.join(", "));
            }
        }
    }
    let user = StaffUserRecord {
        id: uuid::Uuid::now_v7(),
        email: email.clone(),
        role: role.as_str().to_owned(),
        password_hash: hash,
        comuni,
        department,
    };
    match store.insert_staff_user(&user, chrono::Utc::now()).await {
        Ok(()) => {
            println!("Utente {email} ({}) creato / user created", role.as_str());
            Ok(())
        }
        Err(store::StoreError::Conflict(_)) => bail!("esiste già un utente {email} / a user {email} already exists"),
        Err(e) => Err(e.into()),
    }
}

async fn delivery_command(s: &Settings, command: DeliveryCommand) -> anyhow::Result<()> {
    match command {
        DeliveryCommand::Set { comune, department, webhook, open311, secret, service_code } => {
            let (kind, url) = match (webhook, open311) {
                (Some(url), None) => (DeliveryKind::Webhook, url),
                (None, Some(url)) => (DeliveryKind::Open311, url),
                _ => bail!("serve --webhook oppure --open311 / either --webhook or --open311 is required"),
            };
            set_delivery(s, &comune, &department, kind, &url, secret, service_code).await
        }
        DeliveryCommand::List => list_deliveries(s).await,
        DeliveryCommand::Disable { comune, department } => enable_delivery(s, &comune, &department, false).await,
        DeliveryCommand::Enable { comune, department } => enable_delivery(s, &comune, &department, true).await,
        DeliveryCommand::Failed { limit } => failed_deliveries(s, limit).await,
        DeliveryCommand::Retry { comune, department } => retry_deliveries(s, &comune, &department).await,
    }
}

/// A Comune and one of its departments, as known to the store.
async fn department_of(store: &dyn store::Store, comune: &str, department: &str) -> anyhow::Result<(IstatCode, String)> {
    let comune = IstatCode::parse(comune)?;
    let configs = store.comune_configs().await?;
    let config =
        configs.iter().find(|c| c.istat_code == comune).with_context(|| format!("Comune {comune} sconosciuto / unknown Comune"))?;
    let department = department.trim();
    if !config.departments.iter().any(|d| d.code == department) {
        let known: Vec<&str> = config.departments.iter().map(|d| d.code.as_str()).collect();
        bail!("ufficio «{department}» sconosciuto nel Comune {comune} / unknown department; known: {}", known.join(", "));
    }
    Ok((comune, department.to_owned()))
}

async fn set_delivery(
    s: &Settings,
    comune: &str,
    department: &str,
    kind: DeliveryKind,
    url: &str,
    secret: Option<String>,
    service_code: Option<String>,
) -> anyhow::Result<()> {
    let url = delivery::parse_target_url(url)?;
    let secret = match secret {
        Some(secret) => secret,
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprint!("{}: ", if kind == DeliveryKind::Webhook { "Segreto / Secret" } else { "Chiave API / API key" });
            }
            let mut line = String::new();
            stdin.lock().read_line(&mut line).context("cannot read the secret from standard input")?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    let secret = delivery::parse_secret(kind, &secret)?;
    let service_code = service_code.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if service_code.as_ref().is_some_and(|c| c.chars().count() > 100 || c.chars().any(char::is_control)) {
        bail!("service_code non valido: al massimo 100 caratteri / invalid service_code: at most 100 characters");
    }
    let store = open_store(s).await?;
    let (comune, department) = department_of(store.as_ref(), comune, department).await?;
    let target = DeliveryTarget {
        id: uuid::Uuid::now_v7(),
        comune,
        department,
        kind,
        url,
        secret,
        service_code,
        enabled: true,
        created_at: chrono::Utc::now(),
    };
    let stored = store.upsert_delivery_target(&target).await?;
    println!(
        "Consegna di {}/{} impostata: {} verso {} / Delivery set",
        stored.comune,
        stored.department,
        stored.kind.as_str(),
        delivery::endpoint_for_log(&stored.url)
    );
    Ok(())
}

async fn list_deliveries(s: &Settings) -> anyhow::Result<()> {
    let store = open_store(s).await?;
    let targets = store.delivery_targets().await?;
    if targets.is_empty() {
        println!("Nessuna consegna configurata / No delivery configured");
        return Ok(());
    }
    let counts = store.delivery_counts().await?;
    println!(
        "{:<8} {:<20} {:<8} {:<9} {:<40} {:>8} {:>9} {:>7}",
        "comune", "department", "kind", "state", "endpoint", "pending", "delivered", "failed"
    );
    for t in targets {
        let c = counts.iter().find(|c| c.target_id == t.id).cloned().unwrap_or_default();
        println!(
            "{:<8} {:<20} {:<8} {:<9} {:<40} {:>8} {:>9} {:>7}",
            t.comune.as_str(),
            t.department,
            t.kind.as_str(),
            if t.enabled { "enabled" } else { "disabled" },
            delivery::endpoint_for_log(&t.url),
            c.pending,
            c.delivered,
            c.failed
        );
    }
    Ok(())
}

async fn enable_delivery(s: &Settings, comune: &str, department: &str, enabled: bool) -> anyhow::Result<()> {
    let store = open_store(s).await?;
    let (comune, department) = department_of(store.as_ref(), comune, department).await?;
    if !store.set_delivery_target_enabled(&comune, &department, enabled).await? {
        bail!("nessuna consegna configurata per {comune}/{department} / no delivery configured for it");
    }
    if enabled {
        println!("Consegna di {comune}/{department} riattivata / Delivery enabled");
    } else {
        println!("Consegna di {comune}/{department} sospesa: le segnalazioni attendono / Delivery paused: reports wait");
    }
    Ok(())
}

async fn failed_deliveries(s: &Settings, limit: u32) -> anyhow::Result<()> {
    let store = open_store(s).await?;
    let targets = store.delivery_targets().await?;
    let failed = store.failed_deliveries(limit.clamp(1, 10_000)).await?;
    if failed.is_empty() {
        println!("Nessuna consegna fallita / No failed delivery");
        return Ok(());
    }
    for d in failed {
        let target = targets.iter().find(|t| t.id == d.target_id).map(|t| format!("{}/{}", t.comune, t.department)).unwrap_or_default();
        println!(
            "{} report {} -> {} attempts {} failed {} : {}",
            d.id,
            d.report_id,
            target,
            d.attempts,
            d.failed_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            d.last_error.unwrap_or_default()
        );
    }
    Ok(())
}

async fn retry_deliveries(s: &Settings, comune: &str, department: &str) -> anyhow::Result<()> {
    let store = open_store(s).await?;
    let (comune, department) = department_of(store.as_ref(), comune, department).await?;
    let targets = store.delivery_targets().await?;
    let target = targets
        .iter()
        .find(|t| t.comune == comune && t.department == department)
        .with_context(|| format!("nessuna consegna configurata per {comune}/{department} / no delivery configured for it"))?;
    let n = store.retry_failed_deliveries(target.id, chrono::Utc::now()).await?;
    println!("{n} consegne rimesse in coda / deliveries queued again");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(["casa-server", "delivery", "set", "--comune", "072006", "--department", "lavori_pubblici"].iter().chain(args))
    }

    #[test]
    fn delivery_set_takes_exactly_one_of_webhook_and_open311_and_a_service_code_only_for_open311() {
        assert!(parse(&["--webhook", "https://bo.example/hook", "--secret", "s"]).is_ok());
        match parse(&["--open311", "https://bo.example/open311/v2", "--api-key", "k", "--service-code", "C"]).map(|c| c.command) {
            Ok(Command::Delivery { command: DeliveryCommand::Set { secret, service_code, .. } }) => {
                assert_eq!((secret.as_deref(), service_code.as_deref()), (Some("k"), Some("C")));
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            vec!["--webhook", "https://a.example/", "--open311", "https://b.example/"],
            vec!["--secret", "s"],
            vec!["--webhook", "https://a.example/", "--service-code", "C"],
        ] {
            assert!(parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn delivery_set_stores_one_target_per_department_and_refuses_what_would_not_work() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Settings { data_dir: dir.path().to_owned(), ..Settings::default() };
        let secret = || Some("un segreto abbastanza lungo".to_owned());
        set_delivery(&s, "072006", "lavori_pubblici", DeliveryKind::Webhook, "https://bo.example/hook", secret(), None).await.expect("set");
        for (department, url, secret, why) in [
            ("ufficio_ufo", "https://bo.example/hook", secret(), "sconosciuto"),
            ("lavori_pubblici", "ftp://bo.example/", secret(), "URL"),
            ("lavori_pubblici", "https://bo.example/hook", Some("corto".to_owned()), "segreto"),
        ] {
            let err = set_delivery(&s, "072006", department, DeliveryKind::Webhook, url, secret, None).await.expect_err(why);
            assert!(format!("{err:#}").contains(why), "{err:#}");
        }
        let store = open_store(&s).await.expect("store");
        let first = store.delivery_targets().await.expect("targets");
        assert_eq!(first.len(), 1);

        // Set again, as Open311: the same target (its pending deliveries follow), new kind and key.
        set_delivery(
            &s,
            "072006",
            "lavori_pubblici",
            DeliveryKind::Open311,
            "https://bo.example/open311/v2",
            Some("k".into()),
            Some("STRADE".into()),
        )
        .await
        .expect("set again");
        enable_delivery(&s, "072006", "lavori_pubblici", false).await.expect("disable");
        let now = store.delivery_targets().await.expect("targets");
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].id, first[0].id);
        assert_eq!((now[0].kind, now[0].secret.expose(), now[0].service_code.as_deref()), (DeliveryKind::Open311, "k", Some("STRADE")));
        assert!(!now[0].enabled);
        assert!(enable_delivery(&s, "072006", "ambiente", false).await.is_err(), "no target there");
    }
}
