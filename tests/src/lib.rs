//! Helpers for the end-to-end tests and benchmarks: find the built binaries
//! and the shared test data, run `casa-server` as an operator would, and wait
//! until it is ready.
#![forbid(unsafe_code)]

pub mod db;
pub mod desktop;
pub mod device;
pub mod proxy;
pub mod web;

pub use device::{as_phone, device_headers, device_key, phone_client, sync_as_phone};

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A JPEG full of fine detail (a checkerboard over colour gradients), so a
/// blurred region shows in the numbers as well as on screen.
pub fn detailed_jpeg(width: u16, height: u16) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for y in 0..u32::from(height) {
        for x in 0..u32::from(width) {
            let light = (x / 6 + y / 6) % 2 == 0;
            let r = (x * 255 / u32::from(width)) as u8;
            let g = (y * 255 / u32::from(height)) as u8;
            pixels.extend_from_slice(&if light { [r / 2 + 127, g / 2 + 127, 230] } else { [r / 3, g / 3, 40] });
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .expect("a JPEG of known size encodes");
    out
}

/// `../shared` beside the project root, or `CASA_SHARED_DIR`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("CASA_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared"),
    }
}

pub fn bari_boundaries_path() -> PathBuf {
    let path = shared_dir().join("geo/bari-metro-municipalities.geojson");
    assert!(path.exists(), "official boundaries not found at {} (set CASA_SHARED_DIR)", path.display());
    path
}

/// The `casa-server` binary: `CASA_SERVER_BIN`, or the one cargo built for
/// this profile (built on demand, so `cargo test -p casa-e2e` works alone).
pub fn server_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| built_bin("CASA_SERVER_BIN", "casa-sync-server", "casa-server")).clone()
}

/// The `casa` command line of the app (`CASA_BIN`, or built on demand).
pub fn casa_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| built_bin("CASA_BIN", "casa-mobile", "casa")).clone()
}

/// `casa` as a phone with its data in `dir`, talking to `server`, unmoved by
/// the environment of whoever runs the tests.
pub fn casa_at(dir: &std::path::Path, server: &str) -> Command {
    let mut cmd = Command::new(casa_bin());
    cmd.arg("--data-dir").arg(dir).arg("--server").arg(server).env_remove("CASA_DATA_DIR").env_remove("CASA_SERVER");
    cmd
}

fn built_bin(env: &str, package: &str, name: &str) -> PathBuf {
    if let Some(bin) = std::env::var_os(env) {
        return PathBuf::from(bin);
    }
    let release = !cfg!(debug_assertions);
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("target"));
    let bin = target.join(if release { "release" } else { "debug" }).join(name);
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build.args(["build", "-q"]).current_dir(workspace_root());
    if release {
        // `make bench` builds just this binary in release, the same way.
        build.args(["--release", "-p", package, "--bin", name]);
    } else {
        // The same selection as `cargo test --workspace` (and `make test`), so
        // features unify the same way: a no-op after it, where building one
        // package would recompile crates and overwrite the binary in between.
        build.args(["--workspace", "--all-targets"]);
    }
    let status = build.status().expect("run cargo build");
    assert!(status.success(), "building {name} failed");
    bin
}

/// Runs a `casa-server` admin command to completion.
pub fn casa_server(data_dir: &Path, database_url: Option<&str>, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(server_bin());
    cmd.arg("--data-dir").arg(data_dir).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    let mut child = cmd.spawn().expect("spawn casa-server");
    if let Some(mut pipe) = child.stdin.take() {
        if let Some(text) = stdin {
            pipe.write_all(text.as_bytes()).expect("write stdin");
        }
    }
    child.wait_with_output().expect("wait casa-server")
}

/// A `casa-server serve` process, stopped with SIGTERM when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    pub child: Child,
    pub url: String,
}

impl ServerProcess {
    /// Starts `casa-server serve` on a free port and waits for its URL line.
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Self {
        Self::start_on(data_dir, database_url, "127.0.0.1:0")
    }

    /// Starts `casa-server serve` on `bind` (an address a client was given
    /// before the server existed).
    pub fn start_on(data_dir: &Path, database_url: Option<&str>, bind: &str) -> Self {
        Self::start_with(data_dir, database_url, bind, &[])
    }

    /// [`ServerProcess::start_on`] with settings in its environment (`CASA_*`).
    pub fn start_with(data_dir: &Path, database_url: Option<&str>, bind: &str, env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(server_bin());
        cmd.arg("--data-dir").arg(data_dir).args(["serve", "--bind", bind]);
        // CASA_TEST_SERVER_LOG (e.g. `info,tower_http=debug`) shows what the server did when a test fails.
        let log = std::env::var("CASA_TEST_SERVER_LOG").unwrap_or_else(|_| "warn".to_owned());
        cmd.env_remove("DATABASE_URL").env("RUST_LOG", log).stdout(Stdio::piped()).stderr(Stdio::inherit());
        cmd.envs(env.iter().copied());
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        let mut child = cmd.spawn().expect("spawn casa-server serve");
        let stdout = child.stdout.take().expect("stdout");
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            assert!(Instant::now() < deadline, "casa-server did not print its URL in time");
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(pos) = line.find("http://") {
                        break line[pos..].split_whitespace().next().unwrap_or_default().to_owned();
                    }
                }
                _ => panic!("casa-server exited before printing its URL: {:?}", child.try_wait()),
            }
        };
        Self { child, url }
    }

    /// SIGKILL: gone at once, mid-request, as in a crash or power cut.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The address it listens on.
    pub fn addr(&self) -> std::net::SocketAddr {
        self.url.trim_start_matches("http://").parse().expect("server address")
    }

    /// SIGTERM, then wait: returns whether it exited cleanly.
    pub fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        false
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.terminate();
        }
    }
}

/// A fresh PostgreSQL database for one run: (admin URL, database URL, name).
pub fn pg_admin_url() -> String {
    std::env::var("CASA_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}
