//! A fresh database per test (SQLite in a temporary directory, PostgreSQL as
//! a new database on the local server), and the server on port 0 over it.

use crate::{bari_boundaries_path, pg_admin_url};
use std::sync::Arc;

use casa_shared_model::geo;
use casa_sync_server::store::{self, BoundaryImport, Store};
use casa_sync_server::RunningServer;
use sqlx::Connection;

/// Runs a test body once on SQLite and once on PostgreSQL, as two tests
/// named `<sentence>::on_sqlite` and `<sentence>::on_postgres`.
#[macro_export]
macro_rules! on_both_databases {
    ($(#[$meta:meta])* $name:ident, $body:path) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_sqlite() {
                let db = $crate::db::TestDb::sqlite();
                $body(&db).await;
                db.cleanup().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn on_postgres() {
                let db = $crate::db::TestDb::postgres().await;
                $body(&db).await;
                db.cleanup().await;
            }
        }
    };
}

pub enum TestDb {
    Sqlite { dir: tempfile::TempDir, url: String },
    Postgres { dir: tempfile::TempDir, admin_url: String, name: String, url: String },
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}", dir.path().join("casa.db").display());
        TestDb::Sqlite { dir, url }
    }

    pub async fn postgres() -> Self {
        let admin_url = pg_admin_url();
        let name = format!("casa_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is needed for the storage tests and is not reachable at {admin_url} ({e}). \
                 Start it (`make pg`) or point CASA_TEST_PG_URL at a server where the user may create databases."
            )
        });
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.expect("create test database");
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("CASA_TEST_PG_URL must end with /DATABASE"),
        };
        let dir = tempfile::tempdir().expect("temporary directory");
        TestDb::Postgres { dir, admin_url, name, url }
    }

    /// The server's data directory (photos, uploads) for this test.
    pub fn data_dir(&self) -> &std::path::Path {
        match self {
            TestDb::Sqlite { dir, .. } | TestDb::Postgres { dir, .. } => dir.path(),
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    pub async fn store(&self) -> Arc<dyn Store> {
        store::connect(self.url()).await.expect("open store")
    }

    pub async fn cleanup(&self) {
        if let TestDb::Postgres { admin_url, name, .. } = self {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
            }
        }
    }
}

pub fn bari_boundaries() -> Vec<BoundaryImport> {
    let text = std::fs::read_to_string(bari_boundaries_path()).expect("read boundaries");
    geo::parse_boundaries_geojson(&text)
        .expect("parse boundaries")
        .into_iter()
        .map(|b| BoundaryImport { istat_code: b.istat_code, name: b.name, geometry_json: geo::boundary_to_geojson(&b.shape) })
        .collect()
}

/// A server on port 0 over a fresh database, with the official boundaries
/// of the 41 Comuni imported.
pub async fn server_with_boundaries(db: &TestDb) -> RunningServer {
    server_with_components(db, casa_sync_server::components::Registry::standard()).await
}

/// [`server_with_boundaries`] running the given components.
pub async fn server_with_components(db: &TestDb, components: casa_sync_server::components::Registry) -> RunningServer {
    let server = RunningServer::start_with(db.url(), db.data_dir(), components).await.expect("start server");
    // Tests file in bulk from one phone, key and address; the limits have
    // their own tests (sync-server/tests/rate_limits.rs), which set them.
    server.state.set_rate_limits(&casa_sync_server::platform::ratelimit::RateLimitSettings::unlimited());
    let summary = server.state.store().import_boundaries(&bari_boundaries(), false).await.expect("import boundaries");
    assert_eq!(summary.updated, 41);
    assert!(server.state.reload_if_changed().await.expect("reload"));
    server
}

/// A well-known place and where a report filed there must go.
#[derive(Debug, Clone)]
pub struct Place {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// An ISTAT code, or `None` when the point must be refused.
    pub expected: Option<String>,
}

pub fn well_known_places() -> Vec<Place> {
    let path = crate::workspace_root().join("assets/testdata/well-known-places.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            // The name may contain commas; the last three fields never do.
            let mut f = line.rsplitn(4, ',');
            let expected = f.next().expect("expected").trim().to_owned();
            let lon = f.next().expect("lon").trim().parse().expect("lon number");
            let lat = f.next().expect("lat").trim().parse().expect("lat number");
            let name = f.next().expect("name").trim().trim_matches('"').to_owned();
            Place { name, lat, lon, expected: (expected != "reject").then_some(expected) }
        })
        .collect()
}

/// A staff account, created directly in the store.
pub async fn add_staff(server: &RunningServer, email: &str, role: &str, comuni: &[&str]) -> (String, String) {
    add_staff_user(server, email, role, comuni, None).await
}

/// A department operator's account (`department` is the department's code).
pub async fn add_operator(server: &RunningServer, email: &str, comuni: &[&str], department: &str) -> (String, String) {
    add_staff_user(server, email, "operator", comuni, Some(department)).await
}

async fn add_staff_user(server: &RunningServer, email: &str, role: &str, comuni: &[&str], department: Option<&str>) -> (String, String) {
    let password = "una password lunga e sicura".to_owned();
    let user = store::StaffUserRecord {
        id: uuid::Uuid::now_v7(),
        email: email.to_owned(),
        role: role.to_owned(),
        password_hash: casa_sync_server::platform::auth::hash_password(&password).expect("hash"),
        comuni: comuni.iter().map(|c| casa_shared_model::IstatCode::parse(c).expect("code")).collect(),
        department: department.map(str::to_owned),
    };
    server.state.store().insert_staff_user(&user, chrono::Utc::now()).await.expect("insert staff");
    (email.to_owned(), password)
}
