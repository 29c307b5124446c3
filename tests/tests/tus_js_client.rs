//! The reference tus client, tus-js-client (npm), against the server's tus
//! endpoint: a 20 MB upload interrupted and resumed ends byte-identical.

use std::process::Command;

use casa_e2e::workspace_root;
use serde_json::Value;

#[test]
fn tus_js_client_resumes_an_interrupted_20_mb_upload_to_a_byte_identical_file() {
    let js = workspace_root().join("tests/js");
    assert!(js.join("node_modules/tus-js-client").exists(), "tus-js-client is not installed: run `npm ci` in tests/js (make test does)");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let db = casa_e2e::db::TestDb::sqlite();
    let server = rt.block_on(casa_sync_server::RunningServer::start(db.url(), db.data_dir())).expect("server");
    let out = Command::new("node").arg("tus-resume.mjs").arg(&server.url).current_dir(&js).output().expect("run node");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON from the script");
    let size = 20 * 1024 * 1024;
    assert_eq!(report["size"], size);
    let offset = report["offset_after_interrupt"].as_u64().expect("offset");
    assert!(offset >= 5 * 1024 * 1024 && offset < size, "interrupted midway: {offset}");
    assert_eq!(report["stored_bytes"], size);
    assert_eq!(report["stored_sha"], report["sha"], "byte-identical");
    rt.block_on(server.stop());
}
