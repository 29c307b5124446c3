use std::io::Write;
use std::path::PathBuf;

use casa_mobile::store::LocalStore;
use casa_mobile::{Client, SyncOptions};
use casa_shared_model::wire::{NearbyQuery, ReportPayload};
use casa_shared_model::{IstatCode, NewReport, ReportId};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

mod inspector;
mod words;
use inspector::inspector;
use words::{t, t_with, CliError};

#[derive(Debug, Parser)]
#[command(name = "casa", version, about = "Casa del Cittadino: segnalazioni anche senza rete / reports, even offline")]
struct Cli {
    /// Where the phone's data lives (also CASA_DATA_DIR).
    #[arg(long, global = true, env = "CASA_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The sync server (also CASA_SERVER).
    #[arg(long, global = true, env = "CASA_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// App only: the position to use as the phone's GPS fix, `LAT,LON[,ACCURACY_M]`
    /// (also CASA_LOCATION); without it the place is picked on the map.
    #[arg(long, global = true, env = "CASA_LOCATION")]
    location: Option<String>,
    /// App only: the folder of pictures offered to attach (also CASA_PHOTOS_DIR;
    /// default: the Pictures folder).
    #[arg(long, global = true, env = "CASA_PHOTOS_DIR")]
    photos_dir: Option<PathBuf>,
    /// App only: take the network to be `wifi` or `mobile` instead of asking
    /// the system (also CASA_NETWORK), to try "sync on Wi-Fi only".
    #[arg(long, global = true, env = "CASA_NETWORK")]
    network: Option<String>,
    /// Without a command, the app opens (in builds with the `gui` feature).
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Reports (segnalazioni).
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// Send what is waiting and fetch status changes.
    Sync {
        #[arg(long)]
        json: bool,
        /// Attempts before giving up for now (the outbox keeps what was not sent).
        #[arg(long, default_value_t = 6)]
        max_attempts: u32,
        /// First retry delay in milliseconds; each retry doubles it (with jitter).
        #[arg(long, default_value_t = 500)]
        retry_base_ms: u64,
        /// Also fetch the public reports around this latitude (with --near-lon).
        #[arg(long, allow_hyphen_values = true, requires = "near_lon")]
        near_lat: Option<f64>,
        #[arg(long, allow_hyphen_values = true, requires = "near_lat")]
        near_lon: Option<f64>,
        /// Radius in metres for --near-lat/--near-lon (at most 5000).
        #[arg(long, default_value_t = 1000.0)]
        radius: f64,
        /// Fetch the petitions of this Comune (ISTAT code) instead of the home Comune's.
        #[arg(long)]
        petitions_of: Option<String>,
    },
    /// The Comuni, their services and categories, as last fetched.
    Comuni {
        #[arg(long)]
        json: bool,
    },
    /// Public reports near a point, from what the last sync fetched.
    Nearby {
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        #[arg(long, default_value_t = 250.0)]
        radius: f64,
        #[arg(long)]
        json: bool,
    },
    /// What is waiting, when the last sync was, what went wrong.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// The reports on this device, with their status on the server.
    Reports {
        #[arg(long)]
        json: bool,
    },
    /// Inspector mode: reports to check on site, offline.
    Inspector {
        #[command(subcommand)]
        command: InspectorCommand,
    },
    /// The citizen's verified identity (for petition signatures).
    Identity {
        #[command(subcommand)]
        command: IdentityCommand,
    },
    /// Petitions of the citizen's Comune, as last synced; sign and withdraw offline.
    Petitions {
        #[command(subcommand)]
        command: PetitionsCommand,
    },
    /// The home Comune's opt-in leaderboard (needs the network; shown offline as last fetched).
    Leaderboard {
        #[command(subcommand)]
        command: LeaderboardCommand,
    },
}

#[derive(Debug, Subcommand)]
enum LeaderboardCommand {
    /// Fetch and show it.
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Appear on it under this nickname (3 to 24 characters).
    Join { nickname: String },
    /// No longer appear on it.
    Leave,
}

#[derive(Debug, Subcommand)]
enum IdentityCommand {
    /// Activate the code a clerk of the Comune gave after checking an ID document (needs the network).
    Activate { code: String },
    /// The identity on this phone.
    Show {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PetitionsCommand {
    /// The petitions with their counts, thresholds and what you did.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Sign a petition: kept on the phone and sent at the next sync.
    Sign { id: String },
    /// Take your signature back (while the petition is open): sent at the next sync.
    Withdraw { id: String },
    /// Propose a petition in your Comune: sent at the next sync with your
    /// signature; it needs the Comune's number of co-sponsors, then moderation.
    Propose {
        #[arg(long)]
        title: String,
        #[arg(long)]
        body: String,
        /// Days it stays open once the Comune opens it (7 to 365).
        #[arg(long, default_value_t = 90)]
        days: u32,
        /// Only residents of the Comune may sign.
        #[arg(long)]
        residents_only: bool,
    },
    /// Read a proposal by the code its author shared, to co-sponsor it (needs the network).
    Fetch { id: String },
}

#[derive(Debug, Subcommand)]
enum InspectorCommand {
    /// Log in with a staff email; the password is read from standard input.
    Login {
        #[arg(long)]
        email: String,
    },
    /// Forget the session (visits not yet sent stay on the device).
    Logout,
    /// Send the visits recorded and fetch the reports assigned.
    Sync {
        #[arg(long)]
        json: bool,
    },
    /// The assigned reports, as last synced, with the visits recorded.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Confirm on site: needs a GPS fix within 50 m (accuracy counted) and a
    /// photo just taken (its time is the file's modification time, which the
    /// camera sets when it shoots).
    Confirm {
        /// The report's id.
        id: String,
        /// The GPS fix, `LAT,LON[,ACCURACY_M]`.
        #[arg(long, allow_hyphen_values = true)]
        at: String,
        #[arg(long)]
        photo: PathBuf,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Nothing found on site: say what you saw.
    NotFound {
        id: String,
        #[arg(long, allow_hyphen_values = true)]
        at: String,
        #[arg(long)]
        note: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ReportCommand {
    /// File a new report; it is stored at once and sent with the next sync.
    New(NewReportArgs),
    /// Ask to reopen a resolved report of yours that is not fixed.
    Reopen {
        /// The report's id.
        id: String,
        /// Why it is not fixed (3 to 500 characters).
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// A report of yours with its timeline.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct NewReportArgs {
    #[arg(long, allow_hyphen_values = true)]
    lat: f64,
    #[arg(long, allow_hyphen_values = true)]
    lon: f64,
    /// Category code, e.g. road_damage, public_lighting, waste.
    #[arg(long)]
    category: String,
    #[arg(long)]
    description: String,
    /// GPS accuracy in metres (0 when the place was picked on a map).
    #[arg(long, default_value_t = 0.0)]
    accuracy: f64,
    /// A photo (JPEG or PNG), up to 5: made upright, at most 2048 px, and
    /// stripped of every metadata (location included) before it is kept.
    #[arg(long = "photo")]
    photos: Vec<PathBuf>,
    #[arg(long)]
    json: bool,
}

pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            words::print_error(&e);
            std::process::ExitCode::FAILURE
        }
    }
}

fn data_dir(cli: &Cli) -> PathBuf {
    if let Some(dir) = &cli.data_dir {
        return dir.clone();
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("casa")
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let dir = data_dir(&cli);
    let location = cli.location.as_deref().map(parse_fix).transpose()?;
    let Some(command) = cli.command else {
        let network = cli
            .network
            .as_deref()
            .map(|n| casa_mobile::platform::Connection::parse(n).map_err(|_| CliError::InvalidNetwork(n.to_owned())))
            .transpose()?;
        return open_app(AppLaunch { data_dir: dir, server: cli.server, location, photos_dir: cli.photos_dir, network });
    };
    let mut store = open_store(&dir)?;
    words::choose_language(&store);
    match command {
        Command::Report { command: ReportCommand::New(args) } => new_report(&mut store, args),
        Command::Report { command: ReportCommand::Reopen { id, reason, json } } => reopen(&mut store, &id, &reason, json),
        Command::Report { command: ReportCommand::Show { id, json } } => show_report(&store, &id, json),
        Command::Sync { json, max_attempts, retry_base_ms, near_lat, near_lon, radius, petitions_of } => {
            let nearby = match (near_lat, near_lon) {
                (Some(lat), Some(lon)) => Some(NearbyQuery { lat, lon, radius_m: radius }),
                _ => None,
            };
            let petitions = petitions_of.map(|c| IstatCode::parse(&c).map_err(|_| CliError::InvalidComuneCode(c))).transpose()?;
            let opts = SyncOptions {
                max_attempts: max_attempts.max(1),
                base_delay: std::time::Duration::from_millis(retry_base_ms),
                nearby,
                petitions,
                ..SyncOptions::default()
            };
            sync(&mut store, &cli.server, &opts, json)
        }
        Command::Comuni { json } => comuni(&store, json),
        Command::Nearby { lat, lon, radius, json } => nearby(&store, lat, lon, radius, json),
        Command::Status { json } => status(&store, json),
        Command::Reports { json } => reports(&store, json),
        Command::Inspector { command } => inspector(&mut store, &cli.server, command),
        Command::Identity { command } => identity(&mut store, &cli.server, command),
        Command::Petitions { command } => petitions(&mut store, &cli.server, command),
        Command::Leaderboard { command } => leaderboard(&mut store, &cli.server, command),
    }
}

fn identity(store: &mut LocalStore, server: &str, command: IdentityCommand) -> anyhow::Result<()> {
    match command {
        IdentityCommand::Activate { code } => {
            let pending = store.pending_petition_acts()?;
            if pending > 0 && store.identity()?.is_some() {
                return Err(CliError::PendingSignatures(pending).into());
            }
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let session = rt.block_on(Client::for_store(server, store).activate_identity(&code, store.device_id()))?;
            store.set_identity(&session)?;
            println!("{}", t_with("cli-identity-activated", &[("comune", session.residence_name.as_str().into())]));
            Ok(())
        }
        IdentityCommand::Show { json } => {
            let identity = store.identity()?;
            match (identity, json) {
                (Some(i), true) => println!("{}", serde_json::to_string(&i)?),
                (None, true) => println!("null"),
                (Some(i), false) => {
                    println!(
                        "{}",
                        t_with("cli-identity", &[("comune", i.residence_name.as_str().into()), ("code", i.residence.as_str().into())])
                    )
                }
                (None, false) => println!("{}", t("cli-no-identity")),
            }
            Ok(())
        }
    }
}

fn petitions(store: &mut LocalStore, server: &str, command: PetitionsCommand) -> anyhow::Result<()> {
    use casa_mobile::store::MySignature;
    let parse = |id: &str| casa_shared_model::PetitionId::parse(id).map_err(|_| CliError::InvalidId(id.to_owned()));
    let lang = words::lang();
    let status = |s: &casa_shared_model::petition::PetitionStatus| lang.tr(&format!("petitions-status-{}", s.code()));
    match command {
        PetitionsCommand::List { json } => {
            let list = store.petitions()?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                println!("{}", t("cli-no-petitions"));
            }
            for p in list {
                let next = p.petition.thresholds.iter().find(|t| t.reached_at.is_none());
                println!("{}  {}", p.petition.id, p.petition.title);
                if p.petition.status.takes_cosponsors() {
                    let have = casa_shared_model::petition::cosponsors_found(p.petition.signatures, p.petition.cosponsors_needed);
                    let args = [
                        ("status", status(&p.petition.status).into()),
                        ("have", have.into()),
                        ("needed", p.petition.cosponsors_needed.into()),
                    ];
                    println!("    {}", t_with("cli-petition-cosponsors", &args));
                } else if p.petition.status.takes_signatures() || p.petition.status.has_ended() {
                    let mut args = vec![("status", status(&p.petition.status).into()), ("signatures", p.petition.signatures.into())];
                    let line = match (next, p.petition.status.is_signable()) {
                        (Some(next), true) => {
                            let threshold = lang.tr(match next.kind {
                                casa_shared_model::petition::ThresholdKind::Response => "petitions-threshold-response",
                                casa_shared_model::petition::ThresholdKind::Debate => "petitions-threshold-debate",
                            });
                            args.extend([("needed", next.signatures.into()), ("threshold", threshold.into())]);
                            t_with("cli-petition-signatures-for", &args)
                        }
                        _ => t_with("cli-petition-signatures", &args),
                    };
                    println!("    {line}");
                } else {
                    println!("    {}", status(&p.petition.status));
                }
                if let Some(reason) = p.petition.status.detail() {
                    println!("    {}", t_with("cli-petition-reason", &[("reason", reason.into())]));
                }
                let mine = match &p.mine {
                    MySignature::NotSigned => None,
                    MySignature::Pending => Some(t("petitions-signed-it-will-be-sent-at")),
                    MySignature::Counted => Some(t("petitions-you-signed-your-signature-counts")),
                    MySignature::WithdrawalPending => Some(t("petitions-withdrawal-it-will-be-sent-at")),
                    MySignature::Withdrawn => Some(t("petitions-signature-withdrawn")),
                    MySignature::Refused { code, .. } => Some(format!(
                        "{} {}",
                        t("petitions-not-accepted"),
                        lang.words(&casa_mobile::services::petitions::server_refusal(code))
                    )),
                };
                if let Some(mine) = mine {
                    println!("    {mine}");
                }
            }
            Ok(())
        }
        PetitionsCommand::Sign { id } => {
            store.sign_petition(&parse(&id)?)??;
            println!("{}", t("cli-signed"));
            Ok(())
        }
        PetitionsCommand::Withdraw { id } => {
            store.withdraw_signature(&parse(&id)?)??;
            println!("{}", t("cli-withdrawal-recorded"));
            Ok(())
        }
        PetitionsCommand::Propose { title, body, days, residents_only } => {
            let draft = casa_mobile::store::ProposalDraft { title, body, residents_only, open_days: days };
            let id = store.propose_petition(&draft)??;
            println!("{id}");
            println!("{}", t("cli-proposal-saved"));
            Ok(())
        }
        PetitionsCommand::Fetch { id } => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let p = rt.block_on(Client::new(server).petition(&parse(&id)?))?;
            store.keep_petition(&p)?;
            println!("{}  {}", p.id, p.title);
            println!(
                "    {}",
                t_with("cli-petition-signatures", &[("status", status(&p.status).into()), ("signatures", p.signatures.into())])
            );
            Ok(())
        }
    }
}

fn leaderboard(store: &mut LocalStore, server: &str, command: LeaderboardCommand) -> anyhow::Result<()> {
    let home = store.setting(casa_mobile::store::HOME_COMUNE_SETTING)?.and_then(|c| IstatCode::parse(&c).ok());
    let comune = home.or(store.identity()?.map(|i| i.residence)).ok_or(CliError::ChooseComune)?;
    let client = Client::for_store(server, store);
    let device = store.device_id();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (board, json) = match command {
        LeaderboardCommand::Show { json } => (rt.block_on(client.leaderboard(&comune, device)), json),
        LeaderboardCommand::Join { nickname } => (rt.block_on(client.join_leaderboard(&comune, device, &nickname)), false),
        LeaderboardCommand::Leave => (rt.block_on(client.leave_leaderboard(&comune, device)), false),
    };
    let board = match board {
        Ok(b) => {
            store.keep_leaderboard(&b)?;
            b
        }
        // Out of coverage: the last one fetched, said as such.
        Err(e @ casa_mobile::client::ClientError::Network(_)) => {
            let kept = store.leaderboard()?.ok_or(CliError::OfflineNoLeaderboard(e))?;
            eprintln!("{}", t("cli-offline-leaderboard"));
            kept
        }
        Err(e) => return Err(e.into()),
    };
    if json {
        println!("{}", serde_json::to_string(&board)?);
        return Ok(());
    }
    println!("{}", t_with("cli-leaderboard-of", &[("comune", board.comune_name.as_str().into())]));
    match &board.joined_as {
        Some(n) => println!("{}", t_with("cli-leaderboard-joined", &[("nickname", n.as_str().into())])),
        None => println!("{}", t("cli-leaderboard-not-joined")),
    }
    if board.entries.is_empty() {
        println!("{}", t("cli-leaderboard-empty"));
    }
    let you = format!("  {}", t("cli-leaderboard-you"));
    for e in &board.entries {
        println!("{:>3}. {}  {}{}", e.rank, e.nickname, e.results, if e.me { you.as_str() } else { "" });
    }
    Ok(())
}

/// `casa` without a command: what the app window opens with.
#[cfg_attr(not(feature = "gui"), allow(dead_code))]
struct AppLaunch {
    data_dir: PathBuf,
    server: String,
    location: Option<casa_mobile::platform::Fix>,
    photos_dir: Option<PathBuf>,
    network: Option<casa_mobile::platform::Connection>,
}

#[cfg(feature = "gui")]
fn open_app(a: AppLaunch) -> anyhow::Result<()> {
    use casa_mobile::platform::{FixedLocation, FolderPhotos, SystemNetwork};
    let AppLaunch { data_dir, server, location, photos_dir, network } = a;
    // GTK panics without a display; say so plainly instead.
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err(CliError::NoDisplay.into());
    }
    // Opened once here so a bad data directory is a clear error on the
    // terminal rather than a window that cannot start.
    open_store(&data_dir)?;
    casa_mobile::app::launch(casa_mobile::app::AppOptions {
        data_dir,
        server,
        location: FixedLocation(location),
        photos: FolderPhotos { dir: photos_dir.unwrap_or_else(FolderPhotos::default_dir) },
        network: SystemNetwork { fixed: network },
    });
    Ok(())
}

#[cfg(not(feature = "gui"))]
fn open_app(_: AppLaunch) -> anyhow::Result<()> {
    Err(CliError::CommandLineOnly.into())
}

fn new_report(store: &mut LocalStore, a: NewReportArgs) -> anyhow::Result<()> {
    if a.photos.len() > casa_shared_model::report::MAX_PHOTOS {
        return Err(casa_shared_model::report::ReportError::TooManyPhotos(a.photos.len()).into());
    }
    let mut processed = Vec::with_capacity(a.photos.len());
    for path in &a.photos {
        let bytes = read_file(path)?;
        processed.push(casa_mobile::photo::process(&bytes, casa_mobile::photo::DEFAULT_QUALITY)?);
    }
    let payload = ReportPayload {
        id: ReportId::new(),
        category: a.category,
        description: a.description,
        lat: a.lat,
        lon: a.lon,
        accuracy_m: a.accuracy,
        captured_at: chrono::Utc::now(),
        photos: processed.iter().map(|p| p.sha256.as_str().to_owned()).collect(),
    };
    let report = NewReport::parse(&payload, chrono::Utc::now())?;
    for photo in &processed {
        store.save_photo(photo)?;
    }
    store.capture(&report)?;
    if a.json {
        let photos: Vec<_> = processed
            .iter()
            .map(|p| json!({"sha256": p.sha256.as_str(), "width": p.width, "height": p.height, "bytes": p.jpeg.len()}))
            .collect();
        println!("{}", json!({"id": report.id, "status": "submitted", "photos": photos, "outbox": store.outbox_len()?}));
    } else {
        println!("{}", t_with("cli-report-saved", &[("id", report.id.to_string().into())]));
    }
    Ok(())
}

fn sync(store: &mut LocalStore, server: &str, opts: &SyncOptions, json: bool) -> anyhow::Result<()> {
    let client = Client::for_store(server, store);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let interactive = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let result = rt.block_on(casa_mobile::sync(store, &client, opts, |p| {
        if interactive {
            let args = [("done", p.items_done.into()), ("total", p.items_total.into()), ("changes", p.changes_applied.into())];
            eprint!("\r{}", t_with("cli-syncing", &args));
            let _ = std::io::stderr().flush();
        }
    }));
    if interactive {
        eprintln!();
    }
    let summary = match result {
        Ok(s) => s,
        Err(cause) => return Err(CliError::SyncFailed { waiting: store.outbox_len()?, cause }.into()),
    };
    if json {
        println!(
            "{}",
            json!({"accepted": summary.accepted, "rejected": summary.rejected, "deferred": summary.deferred, "retry_after_secs": summary.retry_after.map(|d| d.as_secs()), "changes": summary.changes, "requests": summary.requests, "outbox": store.outbox_len()?})
        );
    } else {
        let args = [
            ("accepted", summary.accepted.into()),
            ("rejected", summary.rejected.into()),
            ("changes", summary.changes.into()),
            ("requests", summary.requests.into()),
        ];
        println!("{}", t_with("cli-synced", &args));
        if let Some(wait) = summary.retry_after.filter(|_| summary.deferred > 0) {
            println!("  {}", t_with("cli-deferred", &[("deferred", summary.deferred.into()), ("seconds", wait.as_secs().into())]));
        }
        for e in store.errors()? {
            println!("  {}", refused_line(&e));
        }
    }
    Ok(())
}

fn status(store: &LocalStore, json: bool) -> anyhow::Result<()> {
    let state = store.sync_state()?;
    let outbox = store.outbox_len()?;
    let errors = store.errors()?;
    if json {
        println!("{}", json!({"outbox": outbox, "last_sync": state.last_sync_at, "last_error": state.last_error, "errors": errors}));
        return Ok(());
    }
    println!("{}", t_with("cli-waiting", &[("n", outbox.into())]));
    match state.last_sync_at {
        Some(at) => println!("{}", t_with("cli-last-sync", &[("when", words::lang().when(at).into())])),
        None => println!("{}", t("cli-never-synced")),
    }
    if state.last_error.is_some() {
        println!("{}", t("cli-last-sync-failed"));
    }
    for e in errors {
        println!("{}", refused_line(&e));
    }
    Ok(())
}

fn parse_report_id(id: &str) -> anyhow::Result<ReportId> {
    Ok(ReportId::parse(id).map_err(|_| CliError::InvalidId(id.to_owned()))?)
}

fn reopen(store: &mut LocalStore, id: &str, reason: &str, json: bool) -> anyhow::Result<()> {
    let id = parse_report_id(id)?;
    let request = store.reopen(id, reason)??;
    if json {
        println!("{}", json!({"id": request, "report_id": id, "outbox": store.outbox_len()?}));
    } else {
        println!("{}", t("cli-reopen-saved"));
    }
    Ok(())
}

fn show_report(store: &LocalStore, id: &str, json: bool) -> anyhow::Result<()> {
    let id = parse_report_id(id)?;
    let report = store.report(id)?.ok_or_else(|| CliError::ReportNotOnPhone(id.to_string()))?;
    let lang = words::lang();
    let events = store.report_events(id)?;
    if json {
        println!("{}", json!({"report": report, "timeline": events}));
        return Ok(());
    }
    println!("{}  {}  {}", report.category, report.comune_name.as_deref().unwrap_or("—"), report.description);
    for e in events {
        let line = match &e.step {
            casa_mobile::store::Step::Status(s) => match s.detail() {
                Some(d) => format!("{} ({d})", lang.status(s)),
                None => lang.status(s),
            },
            casa_mobile::store::Step::Reopened { reason, pending, refused } => {
                let mut l = t_with("cli-reopened", &[("reason", reason.as_str().into())]);
                if *pending {
                    l.push_str(&format!(" — {}", t("cli-reopen-waiting")));
                }
                if let Some(code) = refused {
                    l.push_str(&format!(" — {}", t_with("cli-reopen-refused", &[("reason", lang.refusal(code).into())])));
                }
                l
            }
        };
        println!("  {}  {line}", lang.when(e.at));
        if let Some(note) = &e.note {
            println!("        «{note}»");
        }
    }
    Ok(())
}

fn reports(store: &LocalStore, json: bool) -> anyhow::Result<()> {
    let reports = store.reports()?;
    if json {
        println!("{}", serde_json::to_string(&reports)?);
        return Ok(());
    }
    if reports.is_empty() {
        println!("{}", t("cli-no-reports"));
    }
    let lang = words::lang();
    for r in reports {
        let place = r.comune_name.as_deref().unwrap_or("—");
        let state = if r.pending { t("cli-waiting-to-be-sent") } else { lang.status(&r.status) };
        println!("{}  {}  {}  {}  {}", lang.when(r.captured_at), r.category, place, state, r.description);
        if let Some(e) = r.error {
            println!("    {}", t_with("cli-report-refused", &[("reason", lang.refusal(&e.code).into())]));
        }
    }
    Ok(())
}

fn comuni(store: &LocalStore, json: bool) -> anyhow::Result<()> {
    let comuni = store.comuni()?;
    if json {
        println!("{}", serde_json::to_string(&comuni)?);
        return Ok(());
    }
    if comuni.is_empty() {
        println!("{}", t("cli-comuni-not-fetched"));
    }
    for c in comuni {
        let services = if c.services.is_empty() { "—".to_owned() } else { c.services.join(", ") };
        let args = [
            ("code", c.istat_code.as_str().into()),
            ("name", c.name.as_str().into()),
            ("services", services.into()),
            ("categories", c.categories.len().into()),
        ];
        println!("{}", t_with("cli-comune", &args));
    }
    Ok(())
}

fn nearby(store: &LocalStore, lat: f64, lon: f64, radius: f64, json: bool) -> anyhow::Result<()> {
    let found = store.nearby(lat, lon, radius)?;
    let origin = store.nearby_origin()?;
    if json {
        let fetched = origin.map(|(q, at)| json!({"lat": q.lat, "lon": q.lon, "radius_m": q.radius_m, "at": at}));
        println!("{}", json!({"reports": found, "fetched": fetched}));
        return Ok(());
    }
    match origin {
        Some((q, at)) => {
            let args = [
                ("when", words::lang().when(at).into()),
                ("radius", q.radius_m.round().into()),
                ("lat", format!("{:.5}", q.lat).into()),
                ("lon", format!("{:.5}", q.lon).into()),
            ];
            println!("{}", t_with("cli-nearby-fetched", &args));
        }
        None => println!("{}", t("cli-nearby-none")),
    }
    for r in found {
        println!("{}  {}  {}  {}", r.id, r.category, words::lang().status(&r.status), r.description);
    }
    Ok(())
}

fn open_store(dir: &std::path::Path) -> anyhow::Result<LocalStore> {
    Ok(LocalStore::open(dir).map_err(|cause| CliError::CannotOpenData { dir: dir.to_owned(), cause })?)
}

fn parse_fix(value: &str) -> anyhow::Result<casa_mobile::platform::Fix> {
    Ok(casa_mobile::platform::Fix::parse(value).map_err(|_| CliError::InvalidPosition(value.to_owned()))?)
}

fn read_file(path: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    Ok(std::fs::read(path).map_err(|cause| casa_mobile::explain::FileUnreadable { path: path.to_owned(), cause })?)
}

/// An item the server refused: its id and why, in words.
fn refused_line(e: &casa_mobile::store::ItemError) -> String {
    t_with("cli-refused", &[("id", e.report_id.to_string().into()), ("reason", words::lang().refusal(&e.code).into())])
}
