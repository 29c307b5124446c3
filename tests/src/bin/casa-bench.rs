//! `casa-bench`: load generator for `make bench`. It runs `casa-server` as a
//! separate process (release build) over a fresh database and sends it
//! reports over HTTP in batches, from this process.
//!
//! Usage: casa-bench ingest [--backend sqlite|postgres] [--reports N] [--batch N] [--concurrency N]

use std::sync::Arc;
use std::time::Instant;

use casa_e2e::{bari_boundaries_path, casa_server, pg_admin_url, ServerProcess};
use casa_mobile::Client;
use casa_shared_model::wire::{ItemOutcome, PushItem, ReportPayload, SyncRequest, PROTOCOL_VERSION};
use casa_shared_model::{DeviceId, ReportId};
use sqlx::Connection;

const CATEGORIES: [&str; 9] = [
    "road_damage",
    "public_lighting",
    "waste",
    "green_areas",
    "graffiti_vandalism",
    "water_sewers",
    "road_signs",
    "abandoned_vehicles",
    "other",
];

/// The town centres of the 41 Comuni; reports land within ~170 m of them.
const CENTRES_CSV: &str = include_str!("../../../sync-server/seed/comuni-bari-centres.csv");

fn centres() -> Vec<(f64, f64)> {
    CENTRES_CSV
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Some((f.get(2)?.trim().parse().ok()?, f.get(3)?.trim().parse().ok()?))
        })
        .collect()
}

struct Args {
    backend: String,
    reports: usize,
    batch: usize,
    concurrency: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("ingest") => {}
        _ => return Err("usage: casa-bench ingest [--backend sqlite|postgres] [--reports N] [--batch N] [--concurrency N]".into()),
    }
    let mut a = Args { backend: "sqlite".into(), reports: 50_000, batch: 100, concurrency: 8 };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|_| format!("{flag}: not a number"));
        match flag.as_str() {
            "--backend" => a.backend = value.clone(),
            "--reports" => a.reports = number()?,
            "--batch" => a.batch = number()?.clamp(1, 500),
            "--concurrency" => a.concurrency = number()?.max(1),
            other => return Err(format!("unknown flag {other}")),
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
                category: CATEGORIES[(rng.next() % 9) as usize].to_owned(),
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

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (db_url, pg_name) = match args.backend.as_str() {
        "sqlite" => (None, None),
        "postgres" => {
            let name = format!("casa_bench_{}", uuid::Uuid::now_v7().simple());
            rt.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&pg_admin_url()).await.expect("PostgreSQL reachable (CASA_TEST_PG_URL)");
                sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create database");
            });
            let admin = pg_admin_url();
            let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).expect("admin url");
            (Some(format!("{base}/{name}")), Some(name))
        }
        other => {
            eprintln!("unknown backend {other}: sqlite or postgres");
            std::process::exit(2);
        }
    };
    let out = casa_server(dir.path(), db_url.as_deref(), &["boundaries", "import", bari_boundaries_path().to_str().expect("path")], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut server = ServerProcess::start(dir.path(), db_url.as_deref());

    let reports = payloads(args.reports);
    let batches: Vec<Vec<ReportPayload>> = reports.chunks(args.batch).map(<[ReportPayload]>::to_vec).collect();
    let batches = Arc::new(std::sync::Mutex::new(batches.into_iter()));
    let client = Client::new(&server.url);
    let (elapsed, accepted) = rt.block_on(async {
        // Warm up connections and the server's caches outside the timing.
        let warm = SyncRequest { protocol: PROTOCOL_VERSION, device_id: DeviceId::new(), cursor: None, items: vec![], nearby: None };
        client.sync(&warm).await.expect("warm-up sync");
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
                    let req = SyncRequest {
                        protocol: PROTOCOL_VERSION,
                        device_id: device,
                        cursor,
                        items: batch.into_iter().map(PushItem::Report).collect(),
                        nearby: None,
                    };
                    let res = client.sync(&req).await.expect("sync");
                    cursor = Some(res.cursor);
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
    assert!(server.terminate(), "server stopped cleanly");
    if let Some(name) = pg_name {
        rt.block_on(async {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
            }
        });
    }
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
        std::process::exit(1);
    }
}
