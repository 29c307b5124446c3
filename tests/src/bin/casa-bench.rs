//! `casa-bench`: load generator for `make bench`. It runs `casa-server` as a
//! separate process (release build) over a fresh database and sends it
//! reports over HTTP in batches, from this process.
//!
//! Usage:
//!   casa-bench ingest [--backend sqlite|postgres] [--reports N] [--batch N] [--concurrency N]
//!   casa-bench device [--backend sqlite|postgres] [--reports N] [--photos N] [--photo-kb N] [--noop-runs N] [--services N]
//!   casa-bench signatures [--backend sqlite|postgres] [--reports N (signers)] [--concurrency N]
//!
//! `ingest` measures the server alone (several connections, pre-built
//! batches); `device` measures the app's core end to end: reports captured
//! in a phone's local store, then `casa_mobile::sync` to the server;
//! `signatures` measures petition signing: N verified citizens, each
//! phone's sync carrying its one signature with its identity token.

use std::sync::Arc;
use std::time::Instant;

use casa_e2e::{bari_boundaries_path, casa_server, pg_admin_url, ServerProcess};
use casa_mobile::{Client, LocalStore, SyncOptions};
use casa_shared_model::category::DEFAULT_CATEGORIES;
use casa_shared_model::report::PhotoRef;
use casa_shared_model::wire::sections::{Reports, ReportsPull};
use casa_shared_model::wire::{Item, SyncRequest};
use casa_shared_model::wire::{ItemOutcome, PushItem, ReportPayload};
use casa_shared_model::{DeviceId, IstatCode, NewReport, PetitionId, ReportId};
use sqlx::Connection;

/// The town centres of the 41 Comuni; reports land within ~170 m of them.
fn centres() -> Vec<(f64, f64)> {
    casa_shared_model::comune::bari_comuni().into_iter().map(|(_, c)| (c.lat, c.lon)).collect()
}

const USAGE: &str = "usage: casa-bench ingest [--backend sqlite|postgres] [--reports N] [--batch N] [--concurrency N]
       casa-bench device [--backend sqlite|postgres] [--reports N] [--photos N] [--photo-kb N] [--noop-runs N] [--services N]
       casa-bench signatures [--backend sqlite|postgres] [--reports N] [--concurrency N]";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Ingest,
    Device,
    Signatures,
}

struct Args {
    mode: Mode,
    backend: String,
    reports: usize,
    batch: usize,
    concurrency: usize,
    photos: usize,
    photo_kb: usize,
    noop_runs: usize,
    /// With N > 0 (device): petitions and badges on in Bari, N petitions
    /// open there, and the phone's home is Bari, so every sync pulls both.
    services: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        Some("ingest") => Mode::Ingest,
        Some("device") => Mode::Device,
        Some("signatures") => Mode::Signatures,
        _ => return Err(USAGE.into()),
    };
    let reports = match mode {
        Mode::Ingest => 50_000,
        Mode::Device | Mode::Signatures => 10_000,
    };
    let mut a = Args {
        mode,
        backend: "sqlite".into(),
        reports,
        batch: 100,
        concurrency: 8,
        photos: 500,
        photo_kb: 200,
        noop_runs: 200,
        services: 0,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|_| format!("{flag}: not a number"));
        match flag.as_str() {
            "--backend" => a.backend = value.clone(),
            "--reports" => a.reports = number()?,
            "--batch" => a.batch = number()?.clamp(1, 500),
            "--concurrency" => a.concurrency = number()?.max(1),
            "--photos" => a.photos = number()?,
            "--photo-kb" => a.photo_kb = number()?.clamp(1, 20_000),
            "--noop-runs" => a.noop_runs = number()?.max(1),
            "--services" => a.services = number()?,
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    Ok(a)
}

/// A deterministic xorshift generator: the same load every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn payloads(n: usize) -> Vec<ReportPayload> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let now = chrono::Utc::now();
    let centres = centres();
    (0..n)
        .map(|i| {
            let (lat, lon) = centres[i % centres.len()];
            ReportPayload {
                id: ReportId::new(),
                category: DEFAULT_CATEGORIES[(rng.next() % DEFAULT_CATEGORIES.len() as u64) as usize].code.to_owned(),
                description: format!(
                    "Segnalazione di prova n. {i}: buca profonda sul lato destro della carreggiata, pericolosa per i motocicli"
                ),
                lat: lat + (rng.unit() - 0.5) * 0.003,
                lon: lon + (rng.unit() - 0.5) * 0.003,
                accuracy_m: 5.0 + rng.unit() * 20.0,
                captured_at: now,
                photos: vec![],
            }
        })
        .collect()
}

/// A `casa-server` on a fresh database of the chosen backend, with the
/// official boundaries imported; dropped (database included) at the end.
struct BenchServer {
    server: ServerProcess,
    _dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl BenchServer {
    /// `prepare` runs on the database after the boundaries are imported and
    /// before the server starts (so the server loads what it wrote).
    fn start<F: std::future::Future<Output = Result<(), String>>>(
        rt: &tokio::runtime::Runtime,
        backend: &str,
        prepare: impl FnOnce(String) -> F,
    ) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let (db_url, pg_name) = match backend {
            "sqlite" => (None, None),
            "postgres" => {
                let name = format!("casa_bench_{}", uuid::Uuid::now_v7().simple());
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await.map_err(|e| format!("PostgreSQL: {e}"))?;
                    sqlx::query(&format!("CREATE DATABASE {name}"))
                        .execute(&mut conn)
                        .await
                        .map_err(|e| format!("create database: {e}"))?;
                    Ok::<_, String>(())
                })?;
                let admin = pg_admin_url();
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).ok_or("bad CASA_TEST_PG_URL")?;
                (Some(format!("{base}/{name}")), Some(name))
            }
            other => return Err(format!("unknown backend {other}: sqlite or postgres")),
        };
        let out =
            casa_server(dir.path(), db_url.as_deref(), &["boundaries", "import", bari_boundaries_path().to_str().ok_or("path")?], None);
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let url = db_url.clone().unwrap_or_else(|| format!("sqlite://{}", dir.path().join("casa.db").display()));
        rt.block_on(prepare(url))?;
        // A benchmark files thousands of reports from one address: no limits.
        let unlimited = [("CASA_REPORTS_PER_HOUR_PER_DEVICE", "0"), ("CASA_REPORTS_PER_HOUR_PER_IP", "0")];
        let server = ServerProcess::start_with(dir.path(), db_url.as_deref(), "127.0.0.1:0", &unlimited);
        Ok(Self { server, _dir: dir, pg_name })
    }

    fn stop(mut self, rt: &tokio::runtime::Runtime) {
        assert!(self.server.terminate(), "server stopped cleanly");
        if let Some(name) = self.pg_name.take() {
            rt.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
                }
            });
        }
    }
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let signers = Arc::new(std::sync::Mutex::new(Vec::new()));
    let petition = PetitionId::new();
    let (mode, count, services) = (args.mode, args.reports, args.services);
    let setup = signers.clone();
    let prepare = move |url: String| async move {
        if mode == Mode::Signatures {
            let tokens = prepare_petition(&url, petition, count).await?;
            setup.lock().map_err(|e| e.to_string())?.extend(tokens);
        }
        if mode == Mode::Device && services > 0 {
            prepare_services(&url, services).await?;
        }
        Ok(())
    };
    let server = match BenchServer::start(&rt, &args.backend, prepare) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let ok = match args.mode {
        Mode::Ingest => ingest(&rt, &args, &server.server.url),
        Mode::Device => device(&rt, &args, &server.server.url),
        Mode::Signatures => {
            let signers = signers.lock().map(|s| s.clone()).unwrap_or_default();
            signatures(&rt, &args, &server.server.url, petition, signers)
        }
    };
    server.stop(&rt);
    if !ok {
        std::process::exit(1);
    }
}

fn ingest(rt: &tokio::runtime::Runtime, args: &Args, url: &str) -> bool {
    let reports = payloads(args.reports);
    let batches: Vec<Vec<ReportPayload>> = reports.chunks(args.batch).map(<[ReportPayload]>::to_vec).collect();
    let batches = Arc::new(std::sync::Mutex::new(batches.into_iter()));
    let client = Client::new(url);
    let (elapsed, accepted) = rt.block_on(async {
        // Warm up connections and the server's caches outside the timing.
        let warm = SyncRequest::new(DeviceId::new());
        casa_e2e::sync_as_phone(&client, &warm, None).await.expect("warm-up sync");
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..args.concurrency {
            let client = client.clone();
            let batches = batches.clone();
            tasks.push(tokio::spawn(async move {
                let device = DeviceId::new();
                let mut cursor = None;
                let mut accepted = 0usize;
                loop {
                    let next = batches.lock().map(|mut b| b.next()).unwrap_or(None);
                    let Some(batch) = next else { break };
                    let mut req = SyncRequest::new(device).with_pull::<Reports>(&ReportsPull { cursor, nearby: None });
                    req.items = batch.iter().map(|r| Item::from(&PushItem::Report(r.clone()))).collect();
                    let res = casa_e2e::sync_as_phone(&client, &req, None).await.expect("sync");
                    if let Some(section) = res.section::<Reports>().expect("reports section") {
                        cursor = Some(section.cursor);
                    }
                    accepted += res.results.iter().filter(|r| matches!(r.outcome, ItemOutcome::Accepted(_))).count();
                }
                accepted
            }));
        }
        let mut accepted = 0;
        for t in tasks {
            accepted += t.await.expect("task");
        }
        (started.elapsed(), accepted)
    });
    let rate = accepted as f64 / elapsed.as_secs_f64();
    println!(
        "ingest {}: {accepted} of {} reports accepted in batches of {} over {} connections: {:.2} s, {:.0} reports/s",
        args.backend,
        args.reports,
        args.batch,
        args.concurrency,
        elapsed.as_secs_f64(),
        rate
    );
    if accepted != args.reports {
        eprintln!("some reports were not accepted");
        return false;
    }
    true
}

/// JPEG bytes of about `kb` kilobytes, distinct for each `i`: noise
/// compresses poorly, so the size follows the pixel count.
fn photo_of_about(kb: usize, i: usize) -> casa_mobile::photo::ProcessedPhoto {
    // Noise at quality 85 comes out near 0.86 bytes a pixel.
    let pixels = (kb * 1024 * 100 / 86).max(64);
    let w = ((pixels as f64 * 4.0 / 3.0).sqrt() as u16).max(8);
    let h = ((pixels / usize::from(w)) as u16).max(8);
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let rgb: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3).map(|_| (rng.next() >> 56) as u8).collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 85).encode(&rgb, w, h, jpeg_encoder::ColorType::Rgb).expect("encode");
    casa_mobile::photo::ProcessedPhoto { sha256: PhotoRef::of_bytes(&jpeg), width: u32::from(w), height: u32::from(h), jpeg }
}

/// Captures `payloads` into a new phone store (with their photos), untimed.
fn phone_with(payloads: Vec<ReportPayload>, photos: Vec<casa_mobile::photo::ProcessedPhoto>) -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = LocalStore::open(dir.path()).expect("phone store");
    for photo in &photos {
        store.save_photo(photo).expect("save photo");
    }
    let now = chrono::Utc::now();
    for p in payloads {
        let report = NewReport::parse(&p, now).expect("valid report");
        store.capture(&report).expect("capture");
    }
    (dir, store)
}

fn device(rt: &tokio::runtime::Runtime, args: &Args, url: &str) -> bool {
    let client = Client::new(url);
    let opts = SyncOptions { batch_size: args.batch, ..SyncOptions::default() };
    let mut ok = true;

    // 1. Small reports, end to end through the app's sync engine.
    let (_phone, mut store) = phone_with(payloads(args.reports), vec![]);
    if args.services > 0 {
        store.set_setting(casa_mobile::store::HOME_COMUNE_SETTING, "072006").expect("home Comune");
    }
    let started = Instant::now();
    let summary = rt.block_on(casa_mobile::sync(&mut store, &client, &opts, |_| {})).expect("sync");
    let elapsed = started.elapsed();
    println!(
        "device sync {}: {} of {} small reports in {} requests: {:.2} s, {:.0} reports/s",
        args.backend,
        summary.accepted,
        args.reports,
        summary.requests,
        elapsed.as_secs_f64(),
        summary.accepted as f64 / elapsed.as_secs_f64()
    );
    ok &= summary.accepted == args.reports && store.outbox_len().expect("outbox") == 0;

    // 2. A sync with nothing to do: how many requests, how long.
    let mut times = Vec::with_capacity(args.noop_runs);
    let mut requests = 0;
    for _ in 0..args.noop_runs {
        let started = Instant::now();
        let s = rt.block_on(casa_mobile::sync(&mut store, &client, &opts, |_| {})).expect("no-op sync");
        times.push(started.elapsed());
        requests = requests.max(s.requests);
    }
    times.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "device no-op sync {}{}: {requests} request(s) each; median {:.2} ms, p95 {:.2} ms over {} runs",
        args.backend,
        if args.services > 0 { format!(" (petitions and badges on, {} petitions)", args.services) } else { String::new() },
        ms(times[times.len() / 2]),
        ms(times[times.len() * 95 / 100]),
        times.len()
    );
    ok &= requests == 1;

    // 3. Reports with photos: every photo goes up by tus before its report.
    if args.photos > 0 {
        let photos: Vec<_> = (0..args.photos).map(|i| photo_of_about(args.photo_kb, i)).collect();
        let bytes: usize = photos.iter().map(|p| p.jpeg.len()).sum();
        let mut reports = payloads(args.photos);
        for (r, p) in reports.iter_mut().zip(&photos) {
            r.photos = vec![p.sha256.as_str().to_owned()];
        }
        let (_phone, mut store) = phone_with(reports, photos);
        let started = Instant::now();
        let summary = rt.block_on(casa_mobile::sync(&mut store, &client, &opts, |_| {})).expect("sync with photos");
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "device sync {}: {} reports with {} photos of {:.0} KB on average ({:.1} MB) in {elapsed:.2} s: {:.0} reports/s, {:.1} MB/s",
            args.backend,
            summary.accepted,
            summary.photos_uploaded,
            bytes as f64 / args.photos as f64 / 1024.0,
            bytes as f64 / 1e6,
            summary.accepted as f64 / elapsed,
            bytes as f64 / 1e6 / elapsed
        );
        ok &= summary.accepted == args.photos && summary.photos_uploaded == args.photos;
    }
    if !ok {
        eprintln!("the device sync did not deliver everything");
    }
    ok
}

/// On the database before the server starts: petitions and badges on in
/// Bari, and `n` petitions open there.
async fn prepare_services(url: &str, n: usize) -> Result<(), String> {
    use casa_shared_model::petition::{NewPetition, PetitionStatus};
    let store = casa_sync_server::store::connect(url).await.map_err(|e| e.to_string())?;
    let bari = IstatCode::parse("072006").map_err(|e| e.to_string())?;
    store.seed_comuni(&casa_sync_server::platform::seed::bari_comuni()).await.map_err(|e| e.to_string())?;
    for service in [casa_shared_model::Service::Petitions, casa_shared_model::Service::Gamification] {
        store.set_service(&bari, service, true).await.map_err(|e| e.to_string())?;
    }
    let now = chrono::Utc::now();
    for i in 0..n {
        let petition = NewPetition {
            id: PetitionId::new(),
            comune: bari,
            title: format!("Petizione di prova numero {i}"),
            body: "Testo della petizione di prova per il benchmark della sincronizzazione a vuoto.".into(),
            residents_only: false,
            open_days: 30,
            closes_at: Some(now + chrono::Duration::days(30)),
            cosponsors: 0,
            response_threshold: 100,
            debate_threshold: 1000,
        };
        store.insert_petition(&petition, &PetitionStatus::Open, "bench", None, now).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// On the database before the server starts: petitions on in Bari, one open
/// petition, and `n` verified residents with a phone token each.
async fn prepare_petition(url: &str, id: PetitionId, n: usize) -> Result<Vec<(DeviceId, String)>, String> {
    use casa_shared_model::petition::{NewPetition, PetitionStatus};
    use casa_sync_server::store::{self, CitizenRecord};
    let store = store::connect(url).await.map_err(|e| e.to_string())?;
    let bari = IstatCode::parse("072006").map_err(|e| e.to_string())?;
    store.seed_comuni(&casa_sync_server::platform::seed::bari_comuni()).await.map_err(|e| e.to_string())?;
    store.set_service(&bari, casa_shared_model::Service::Petitions, true).await.map_err(|e| e.to_string())?;
    let now = chrono::Utc::now();
    let petition = NewPetition {
        id,
        comune: bari,
        title: "Una pista ciclabile sul lungomare".into(),
        body: "Testo della petizione di prova per il benchmark delle firme.".into(),
        residents_only: true,
        open_days: 30,
        closes_at: Some(now + chrono::Duration::days(30)),
        cosponsors: 0,
        response_threshold: (n as u32 / 2).max(10),
        debate_threshold: (n as u32).max(11),
    };
    store.insert_petition(&petition, &PetitionStatus::Open, "bench", None, now).await.map_err(|e| e.to_string())?;
    let mut phones = Vec::with_capacity(n);
    for i in 0..n {
        let citizen = CitizenRecord {
            id: uuid::Uuid::now_v7(),
            person_key: format!("bench-person-{i}"),
            residence: bari,
            provider: "bench".into(),
            verified_at: now,
        };
        let citizen = store.upsert_citizen(&citizen).await.map_err(|e| e.to_string())?;
        let (device, token) = (DeviceId::new(), format!("bench-token-{i}-{}", uuid::Uuid::now_v7().simple()));
        store
            .insert_citizen_token(&casa_sync_server::platform::staff::hash_token(&token), citizen.id, &device, now)
            .await
            .map_err(|e| e.to_string())?;
        phones.push((device, token));
    }
    Ok(phones)
}

/// Each phone sends its citizen's signature in its own sync, as the app does.
fn signatures(rt: &tokio::runtime::Runtime, args: &Args, url: &str, petition: PetitionId, phones: Vec<(DeviceId, String)>) -> bool {
    use casa_shared_model::petition::SignaturePayload;
    let total = phones.len();
    let queue = Arc::new(std::sync::Mutex::new(phones.into_iter()));
    let client = Client::new(url);
    let (elapsed, counted) = rt.block_on(async {
        let warm = SyncRequest::new(DeviceId::new());
        casa_e2e::sync_as_phone(&client, &warm, None).await.expect("warm-up sync");
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..args.concurrency {
            let (client, queue) = (client.clone(), queue.clone());
            tasks.push(tokio::spawn(async move {
                let mut counted = 0usize;
                loop {
                    let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                    let Some((device, token)) = next else { break };
                    let item = PushItem::Signature(SignaturePayload {
                        id: uuid::Uuid::now_v7(),
                        petition_id: petition,
                        signed_at: chrono::Utc::now(),
                    });
                    let req = SyncRequest::new(device).push(&item);
                    let res = casa_e2e::sync_as_phone(&client, &req, Some(&token)).await.expect("sync");
                    counted += res.results.iter().filter(|r| matches!(r.outcome, ItemOutcome::Counted(_))).count();
                }
                counted
            }));
        }
        let mut counted = 0;
        for t in tasks {
            counted += t.await.expect("task");
        }
        (started.elapsed(), counted)
    });
    println!(
        "signatures {}: {counted} of {total} counted, one per sync over {} connections: {:.2} s, {:.0} signatures/s",
        args.backend,
        args.concurrency,
        elapsed.as_secs_f64(),
        counted as f64 / elapsed.as_secs_f64()
    );
    if counted != total {
        eprintln!("some signatures were not counted");
        return false;
    }
    true
}
