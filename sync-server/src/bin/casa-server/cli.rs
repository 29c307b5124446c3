use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use casa_shared_model::{geo, IstatCode};
use casa_sync_server::auth::{self, Role};
use casa_sync_server::config::{LogFormat, Settings};
use casa_sync_server::store::{self, BoundaryImport, StaffUserRecord};
use clap::{Parser, Subcommand};

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
    /// API keys for Open311 clients and back-office systems.
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Staff accounts (moderators, inspectors, operators, admins).
    Users {
        #[command(subcommand)]
        command: UsersCommand,
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
enum ApiKeysCommand {
    /// Create a key; it is printed once, alone on the last line.
    Create {
        #[arg(long)]
        name: String,
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

async fn open_store(s: &Settings) -> anyhow::Result<std::sync::Arc<dyn store::Store>> {
    let url = s.database_url();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&s.data_dir).with_context(|| format!("cannot create the data directory {}", s.data_dir.display()))?;
    }
    let store = store::connect(&url).await.with_context(|| format!("cannot open the database {}", store::redact_url(&url)))?;
    store.seed_comuni(&casa_sync_server::seed::bari_comuni()).await?;
    Ok(store)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let s = settings(&cli)?;
    match cli.command {
        Command::Serve { bind } => serve(Settings { bind: bind.unwrap_or(s.bind), ..s }).await,
        Command::Boundaries { command: BoundariesCommand::Import { file, add_new } } => import_boundaries(&s, &file, add_new).await,
        Command::ApiKeys { command: ApiKeysCommand::Create { name } } => create_api_key(&s, &name).await,
        Command::Users { command: UsersCommand::Add { email, role, comuni } } => add_user(&s, &email, &role, &comuni).await,
    }
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
    let state = casa_sync_server::bootstrap(&url, public_url.clone(), &s.data_dir)
        .await
        .with_context(|| format!("cannot open the database {}", store::redact_url(&url)))?;
    tracing::info!(database = %store::redact_url(&url), backend = state.store().backend(), "database ready");
    if !s.dashboard_assets.join("css/bootstrap-italia.min.css").is_file() {
        tracing::warn!(dir = %s.dashboard_assets.display(), "Bootstrap Italia not found: the dashboard works unstyled (run `make` or set CASA_DASHBOARD_ASSETS)");
    }
    state.set_dashboard_assets(s.dashboard_assets.clone());
    let reloader = casa_sync_server::spawn_reloader(state.clone(), std::time::Duration::from_secs(s.reload_interval_secs.max(1)));
    println!("Casa del Cittadino in ascolto su / listening on {public_url}");
    std::io::stdout().flush().ok();
    casa_sync_server::serve(listener, state, shutdown_signal()).await?;
    reloader.abort();
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

async fn create_api_key(s: &Settings, name: &str) -> anyhow::Result<()> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        bail!("il nome deve avere da 1 a 100 caratteri / the name needs 1 to 100 characters");
    }
    let store = open_store(s).await?;
    let (key, hash) = auth::generate_api_key();
    store.insert_api_key(uuid::Uuid::now_v7(), name, &hash, chrono::Utc::now()).await?;
    println!("Chiave API «{name}» creata: conservala, non sarà mostrata di nuovo / API key created: keep it, it will not be shown again");
    println!("{key}");
    Ok(())
}

async fn add_user(s: &Settings, email: &str, role: &str, comuni: &[String]) -> anyhow::Result<()> {
    let email = auth::parse_email(email)?;
    let role = Role::parse(role)?;
    let comuni = comuni.iter().map(|c| IstatCode::parse(c)).collect::<Result<Vec<_>, _>>()?;
    if role != Role::Admin && comuni.is_empty() {
        bail!("serve almeno un --comune per questo ruolo / at least one --comune is required for this role");
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
    let user =
        StaffUserRecord { id: uuid::Uuid::now_v7(), email: email.clone(), role: role.as_str().to_owned(), password_hash: hash, comuni };
    match store.insert_staff_user(&user, chrono::Utc::now()).await {
        Ok(()) => {
            println!("Utente {email} ({}) creato / user created", role.as_str());
            Ok(())
        }
        Err(store::StoreError::Conflict(_)) => bail!("esiste già un utente {email} / a user {email} already exists"),
        Err(e) => Err(e.into()),
    }
}
