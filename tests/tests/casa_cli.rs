//! The `casa` command line, as a field kit or a script uses it.

use std::path::Path;
use std::process::{Command, Output};

use casa_e2e::casa_bin;
use serde_json::Value;

fn casa(dir: &Path, server: &str, args: &[&str]) -> Output {
    Command::new(casa_bin())
        .arg("--data-dir")
        .arg(dir)
        .arg("--server")
        .arg(server)
        .args(args)
        .env_remove("CASA_DATA_DIR")
        .env_remove("CASA_SERVER")
        .output()
        .expect("run casa")
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn a_report_filed_with_the_server_unreachable_is_sent_by_a_later_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let down = "http://127.0.0.1:9";
    let filed = json(&casa(
        dir.path(),
        down,
        &[
            "report",
            "new",
            "--lat",
            "40.8284",
            "--lon",
            "16.5528",
            "--category",
            "road_damage",
            "--description",
            "Buca in piazza Duomo",
            "--accuracy",
            "6",
            "--json",
        ],
    ));
    assert_eq!(filed["outbox"], 1);
    let status = json(&casa(dir.path(), down, &["status", "--json"]));
    assert_eq!((status["outbox"].as_u64(), status["last_sync"].is_null()), (Some(1), true));
    assert_eq!(status["errors"].as_array().map(Vec::len), Some(0));

    let failed = casa(dir.path(), down, &["sync", "--max-attempts", "2", "--retry-base-ms", "10"]);
    assert!(!failed.status.success(), "an unreachable server is a failure");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("1 elementi restano in attesa"), "{stderr}");

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let db = casa_e2e::db::TestDb::sqlite();
    let server = rt.block_on(casa_e2e::db::server_with_boundaries(&db));
    let synced = json(&casa(dir.path(), &server.url, &["sync", "--json"]));
    assert_eq!((synced["accepted"].as_u64(), synced["outbox"].as_u64()), (Some(1), Some(0)));
    let status = json(&casa(dir.path(), &server.url, &["status", "--json"]));
    assert_eq!(status["outbox"], 0);
    assert!(status["last_sync"].is_string());
    let reports = json(&casa(dir.path(), &server.url, &["reports", "--json"]));
    assert_eq!(reports[0]["status"], "in_moderation");
    assert_eq!(reports[0]["comune_name"], "Altamura");
    rt.block_on(server.stop());
}

#[test]
fn invalid_input_is_refused_with_a_reason_and_a_failing_exit_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = casa(
        dir.path(),
        "http://127.0.0.1:9",
        &["report", "new", "--lat", "123", "--lon", "16.8", "--category", "waste", "--description", "x"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("latitudine non valida"));
    let out = casa(
        dir.path(),
        "http://127.0.0.1:9",
        &["report", "new", "--lat", "41.1", "--lon", "16.8", "--category", "waste", "--description", "   "],
    );
    assert!(!out.status.success());
    let status = json(&casa(dir.path(), "http://127.0.0.1:9", &["status", "--json"]));
    assert_eq!(status["outbox"], 0, "nothing invalid was queued");
}
