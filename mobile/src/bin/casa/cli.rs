use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use casa_mobile::store::LocalStore;
use casa_mobile::{Client, SyncOptions};
use casa_shared_model::wire::{NearbyQuery, ReportPayload};
use casa_shared_model::{IstatCode, NewReport, ReportId};
use clap::{Args, Parser, Subcommand};
use serde_json::json;

mod inspector;
use inspector::inspector;

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
            eprintln!("errore / error: {e:#}");
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
    let location = cli.location.as_deref().map(casa_mobile::platform::Fix::parse).transpose().map_err(anyhow::Error::msg)?;
    let Some(command) = cli.command else {
        let network = cli.network.as_deref().map(casa_mobile::platform::Connection::parse).transpose().map_err(anyhow::Error::msg)?;
        return open_app(AppLaunch { data_dir: dir, server: cli.server, location, photos_dir: cli.photos_dir, network });
    };
    let mut store = LocalStore::open(&dir).with_context(|| format!("cannot open the local data in {}", dir.display()))?;
    match command {
        Command::Report { command: ReportCommand::New(args) } => new_report(&mut store, args),
        Command::Report { command: ReportCommand::Reopen { id, reason, json } } => reopen(&mut store, &id, &reason, json),
        Command::Report { command: ReportCommand::Show { id, json } } => show_report(&store, &id, json),
        Command::Sync { json, max_attempts, retry_base_ms, near_lat, near_lon, radius, petitions_of } => {
            let nearby = match (near_lat, near_lon) {
                (Some(lat), Some(lon)) => Some(NearbyQuery { lat, lon, radius_m: radius }),
                _ => None,
            };
            let petitions = petitions_of.map(|c| IstatCode::parse(&c)).transpose().map_err(|e| anyhow::anyhow!("--petitions-of: {e}"))?;
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
                anyhow::bail!(
                    "{pending} firme di chi usa ora il telefono non sono ancora inviate: sincronizza prima di cambiare identità / sync the pending signatures before changing identity"
                );
            }
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let session = rt.block_on(Client::for_store(server, store).activate_identity(&code, store.device_id()))?;
            store.set_identity(&session)?;
            println!(
                "Identità attivata: residente a {}. Ora puoi firmare le petizioni / Identity activated: you can sign petitions",
                session.residence_name
            );
            Ok(())
        }
        IdentityCommand::Show { json } => {
            let identity = store.identity()?;
            match (identity, json) {
                (Some(i), true) => println!("{}", serde_json::to_string(&i)?),
                (None, true) => println!("null"),
                (Some(i), false) => println!("Identità verificata: residente a {} ({})", i.residence_name, i.residence.as_str()),
                (None, false) => println!("Nessuna identità su questo telefono: chiedi un codice allo sportello del Comune / no identity"),
            }
            Ok(())
        }
    }
}

fn petitions(store: &mut LocalStore, server: &str, command: PetitionsCommand) -> anyhow::Result<()> {
    use casa_mobile::store::MySignature;
    let parse = |id: &str| casa_shared_model::PetitionId::parse(id).map_err(|e| anyhow::anyhow!("{e}"));
    match command {
        PetitionsCommand::List { json } => {
            let list = store.petitions()?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                println!("Nessuna petizione: sincronizza, o il tuo Comune non le raccoglie online / no petitions");
            }
            for p in list {
                let next = p.petition.thresholds.iter().find(|t| t.reached_at.is_none());
                println!("{}  {}", p.petition.id, p.petition.title);
                if p.petition.status.takes_cosponsors() {
                    let have = casa_shared_model::petition::cosponsors_found(p.petition.signatures, p.petition.cosponsors_needed);
                    println!("    {} · {have} promotori su {}", p.petition.status.label_it(), p.petition.cosponsors_needed);
                } else if p.petition.status.takes_signatures() || p.petition.status.has_ended() {
                    print!("    {} · {} firme", p.petition.status.label_it(), p.petition.signatures);
                    if let (Some(t), true) = (next, p.petition.status.is_signable()) {
                        print!(" su {} per la {}", t.signatures, t.kind.label_it());
                    }
                    println!();
                } else {
                    println!("    {}", p.petition.status.label_it());
                }
                if let Some(reason) = p.petition.status.detail() {
                    println!("    Motivo: {reason}");
                }
                let mine = match &p.mine {
                    MySignature::NotSigned => String::new(),
                    MySignature::Pending => "    Firmata: sarà inviata alla prossima sincronizzazione / will be sent".into(),
                    MySignature::Counted => "    Hai firmato: la tua firma è contata / your signature counts".into(),
                    MySignature::WithdrawalPending => "    Ritiro della firma: sarà inviato / withdrawal will be sent".into(),
                    MySignature::Withdrawn => "    Firma ritirata / signature withdrawn".into(),
                    MySignature::Refused { message, .. } => format!("    Firma non accettata: {message}"),
                };
                if !mine.is_empty() {
                    println!("{mine}");
                }
            }
            Ok(())
        }
        PetitionsCommand::Sign { id } => {
            store.sign_petition(&parse(&id)?)?.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Firmata sul telefono: sarà inviata alla prossima sincronizzazione / Signed: it will be sent at the next sync");
            Ok(())
        }
        PetitionsCommand::Withdraw { id } => {
            store.withdraw_signature(&parse(&id)?)?.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Ritiro registrato: sarà inviato alla prossima sincronizzazione / Withdrawal recorded: sent at the next sync");
            Ok(())
        }
        PetitionsCommand::Propose { title, body, days, residents_only } => {
            let draft = casa_mobile::store::ProposalDraft { title, body, residents_only, open_days: days };
            let id = store.propose_petition(&draft)?.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{id}");
            println!(
                "Proposta salvata sul telefono: sarà inviata alla prossima sincronizzazione. Condividi il codice con chi vuole sostenerla / Proposal saved: share its code with co-sponsors"
            );
            Ok(())
        }
        PetitionsCommand::Fetch { id } => {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let p = rt.block_on(Client::new(server).petition(&parse(&id)?))?;
            store.keep_petition(&p)?;
            println!("{}  {}", p.id, p.title);
            println!("    {} · {} firme", p.status.label_it(), p.signatures);
            Ok(())
        }
    }
}

fn leaderboard(store: &mut LocalStore, server: &str, command: LeaderboardCommand) -> anyhow::Result<()> {
    let home = store.setting(casa_mobile::store::HOME_COMUNE_SETTING)?.and_then(|c| IstatCode::parse(&c).ok());
    let comune = home
        .or(store.identity()?.map(|i| i.residence))
        .ok_or_else(|| anyhow::anyhow!("Scegli prima il tuo Comune (sincronizza, poi casa comuni) / choose your Comune first"))?;
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
        Err(casa_mobile::client::ClientError::Network(e)) => {
            let kept = store.leaderboard()?.ok_or_else(|| anyhow::anyhow!("rete non raggiungibile / network unreachable: {e}"))?;
            eprintln!("Senza rete: la classifica com'era all'ultimo aggiornamento / offline: the last one fetched");
            kept
        }
        Err(e) => return Err(e.into()),
    };
    if json {
        println!("{}", serde_json::to_string(&board)?);
        return Ok(());
    }
    println!("Classifica di {} (segnalazioni confermate o risolte)", board.comune_name);
    match &board.joined_as {
        Some(n) => println!("Partecipi come «{n}»"),
        None => println!("Non partecipi: casa leaderboard join SOPRANNOME / you are not on it"),
    }
    if board.entries.is_empty() {
        println!("Nessuno ancora in classifica / nobody on it yet");
    }
    for e in &board.entries {
        println!("{:>3}. {}  {}{}", e.rank, e.nickname, e.results, if e.me { "  ← tu" } else { "" });
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
        anyhow::bail!(
            "nessuno schermo disponibile (DISPLAY e WAYLAND_DISPLAY non impostati): avvia l'app da una sessione grafica, \
             con xvfb-run, oppure usa un comando (casa --help) / no display (DISPLAY and WAYLAND_DISPLAY unset): \
             start the app from a desktop session, under xvfb-run, or give a command (casa --help)"
        );
    }
    // Opened once here so a bad data directory is a clear error on the
    // terminal rather than a window that cannot start.
    LocalStore::open(&data_dir).with_context(|| format!("cannot open the local data in {}", data_dir.display()))?;
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
    anyhow::bail!(
        "questa build è solo a riga di comando: indica un comando (casa --help) / this build is the command line alone: give a command (casa --help)"
    )
}

fn new_report(store: &mut LocalStore, a: NewReportArgs) -> anyhow::Result<()> {
    if a.photos.len() > casa_shared_model::report::MAX_PHOTOS {
        anyhow::bail!(
            "al massimo {} foto / at most {} photos",
            casa_shared_model::report::MAX_PHOTOS,
            casa_shared_model::report::MAX_PHOTOS
        );
    }
    let mut processed = Vec::with_capacity(a.photos.len());
    for path in &a.photos {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let photo = casa_mobile::photo::process(&bytes, casa_mobile::photo::DEFAULT_QUALITY).with_context(|| path.display().to_string())?;
        processed.push(photo);
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
        println!(
            "Segnalazione salvata, sarà inviata alla prossima sincronizzazione / Report saved, it will be sent at the next sync: {}",
            report.id
        );
    }
    Ok(())
}

fn sync(store: &mut LocalStore, server: &str, opts: &SyncOptions, json: bool) -> anyhow::Result<()> {
    let client = Client::for_store(server, store);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let interactive = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let result = rt.block_on(casa_mobile::sync(store, &client, opts, |p| {
        if interactive {
            eprint!("\rSincronizzazione / syncing: {}/{} elementi, {} aggiornamenti", p.items_done, p.items_total, p.changes_applied);
            let _ = std::io::stderr().flush();
        }
    }));
    if interactive {
        eprintln!();
    }
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let waiting = store.outbox_len()?;
            return Err(anyhow::Error::new(e).context(format!(
                "sincronizzazione non riuscita, {waiting} elementi restano in attesa / sync failed, {waiting} items still waiting"
            )));
        }
    };
    if json {
        println!(
            "{}",
            json!({"accepted": summary.accepted, "rejected": summary.rejected, "deferred": summary.deferred, "retry_after_secs": summary.retry_after.map(|d| d.as_secs()), "changes": summary.changes, "requests": summary.requests, "outbox": store.outbox_len()?})
        );
    } else {
        println!(
            "Sincronizzato / synced: {} inviate, {} rifiutate, {} aggiornamenti di stato ({} richieste)",
            summary.accepted, summary.rejected, summary.changes, summary.requests
        );
        if let Some(wait) = summary.retry_after.filter(|_| summary.deferred > 0) {
            println!(
                "  {} rimandate dal server (troppe in poco tempo): restano in attesa, riprova tra {} s / {} put off by the server (too many at once): still waiting, retry in {} s",
                summary.deferred,
                wait.as_secs(),
                summary.deferred,
                wait.as_secs()
            );
        }
        for e in store.errors()? {
            println!("  {}: {} ({})", e.report_id, e.message, e.code);
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
    println!("In attesa di invio / waiting: {outbox}");
    match state.last_sync_at {
        Some(t) => println!("Ultima sincronizzazione / last sync: {}", t.format("%d/%m/%Y %H:%M:%S UTC")),
        None => println!("Mai sincronizzato / never synced"),
    }
    if let Some(e) = state.last_error {
        println!("Ultimo errore / last error: {e}");
    }
    for e in errors {
        println!("Rifiutata / refused {}: {} ({})", e.report_id, e.message, e.code);
    }
    Ok(())
}

fn parse_report_id(id: &str) -> anyhow::Result<ReportId> {
    ReportId::parse(id).map_err(|e| anyhow::anyhow!("identificativo non valido / invalid id «{id}»: {e}"))
}

fn reopen(store: &mut LocalStore, id: &str, reason: &str, json: bool) -> anyhow::Result<()> {
    let id = parse_report_id(id)?;
    let request = store.reopen(id, reason)?.map_err(anyhow::Error::new)?;
    if json {
        println!("{}", json!({"id": request, "report_id": id, "outbox": store.outbox_len()?}));
    } else {
        println!("Richiesta di riapertura salvata, sarà inviata alla prossima sincronizzazione / Reopen request saved, it will be sent at the next sync");
    }
    Ok(())
}

fn show_report(store: &LocalStore, id: &str, json: bool) -> anyhow::Result<()> {
    let id = parse_report_id(id)?;
    let report = store
        .report(id)?
        .ok_or_else(|| anyhow::anyhow!("segnalazione non trovata su questo dispositivo / report not found on this device: {id}"))?;
    let events = store.report_events(id)?;
    if json {
        println!("{}", json!({"report": report, "timeline": events}));
        return Ok(());
    }
    println!("{}  {}  {}", report.category, report.comune_name.as_deref().unwrap_or("—"), report.description);
    for e in events {
        let line = match &e.step {
            casa_mobile::store::Step::Status(s) => match s.detail() {
                Some(d) => format!("{} ({d})", s.label_it()),
                None => s.label_it().to_owned(),
            },
            casa_mobile::store::Step::Reopened { reason, pending, refused } => {
                let mut l = format!("Riaperta / Reopened: «{reason}»");
                if *pending {
                    l.push_str(" — in attesa di invio / waiting to be sent");
                }
                if let Some(r) = refused {
                    l.push_str(&format!(" — rifiutata / refused: {r}"));
                }
                l
            }
        };
        println!("  {}  {line}", e.at.format("%d/%m/%Y %H:%M"));
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
        println!("Nessuna segnalazione / no reports");
    }
    for r in reports {
        let place = r.comune_name.as_deref().unwrap_or("—");
        let state = if r.pending { "in attesa di invio / waiting to be sent" } else { r.status.label_it() };
        println!("{}  {}  {}  {}  {}", r.captured_at.format("%d/%m/%Y %H:%M"), r.category, place, state, r.description);
        if let Some(e) = r.error {
            println!("    rifiutata / refused: {}", e.message);
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
        println!("Elenco dei Comuni non ancora scaricato: esegui `casa sync` / Comuni not fetched yet: run `casa sync`");
    }
    for c in comuni {
        let services = if c.services.is_empty() { "—".to_owned() } else { c.services.join(", ") };
        println!("{}  {}  servizi / services: {}  categorie / categories: {}", c.istat_code, c.name, services, c.categories.len());
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
        Some((q, at)) => println!(
            "Segnalazioni pubbliche scaricate il {} entro {:.0} m da {:.5}, {:.5} / public reports fetched then around that point",
            at.format("%d/%m/%Y %H:%M UTC"),
            q.radius_m,
            q.lat,
            q.lon
        ),
        None => println!("Nessuna segnalazione pubblica scaricata: `casa sync --near-lat … --near-lon …` / none fetched yet"),
    }
    for r in found {
        println!("{}  {}  {}  {}", r.id, r.category, r.status.label_it(), r.description);
    }
    Ok(())
}
