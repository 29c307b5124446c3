//! The real desktop app in a real (virtual) window: an Xvfb screen, and a
//! driver that finds controls through the accessibility tree (AT-SPI) and
//! clicks them with xdotool, as a person with a mouse would. Used by the
//! end-to-end test and the start-up benchmark.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::workspace_root;

/// An X server of our own, on a display nobody uses.
pub struct Xvfb {
    child: Child,
    pub display: String,
}

impl Xvfb {
    pub fn start() -> Self {
        let n =
            (90..200).find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() && !Path::new(&format!("/tmp/.X{n}-lock")).exists());
        let display = format!(":{}", n.expect("a free X display"));
        let child = Command::new("Xvfb")
            .args([display.as_str(), "-screen", "0", "480x900x24", "-nolisten", "tcp", "-noreset"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt install xvfb; make test installs it)");
        let socket = format!("/tmp/.X11-unix/X{}", &display[1..]);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, display }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The app, started by the AT-SPI driver inside its own session bus.
pub struct Driver {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// Clicks on controls, counted as the citizen's taps.
    pub taps: usize,
    shots: PathBuf,
}

impl Driver {
    pub fn start(x: &Xvfb, home: &Path, app: &[String], shots: PathBuf) -> Result<Self, String> {
        let driver = workspace_root().join("tests/e2e/atspi_driver.py");
        let mut child = Command::new("dbus-run-session")
            .arg("--")
            .arg("/usr/bin/python3")
            .arg(driver)
            .arg("casa")
            .arg("--")
            .args(app)
            .env("DISPLAY", &x.display)
            .env("HOME", home)
            .env("XDG_RUNTIME_DIR", home)
            .env_remove("NO_AT_BRIDGE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("dbus-run-session: {e}"))?;
        let stdin = child.stdin.take().ok_or("stdin")?;
        let stdout = BufReader::new(child.stdout.take().ok_or("stdout")?);
        let mut d = Self { child, stdin, stdout, taps: 0, shots };
        let hello = d.read()?;
        if hello["ok"] != true {
            let _ = d.child.kill();
            return Err(hello.to_string());
        }
        Ok(d)
    }

    fn read(&mut self) -> Result<Value, String> {
        // Daemons of the session bus write to the same pipe; answers are marked.
        loop {
            let mut line = String::new();
            if self.stdout.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                return Err("the driver exited".into());
            }
            match line.strip_prefix("@@ ") {
                Some(answer) => return serde_json::from_str(answer).map_err(|e| format!("driver said {line:?}: {e}")),
                None => eprint!("{line}"),
            }
        }
    }

    pub fn send(&mut self, cmd: Value) -> Value {
        writeln!(self.stdin, "{cmd}").expect("driver stdin");
        let answer = self.read().expect("driver answer");
        assert_eq!(answer["ok"], true, "{cmd} failed: {answer:#}");
        answer
    }

    pub fn tap(&mut self, role: &str, name: &str) {
        self.send(json!({"op": "click", "role": role, "name": name}));
        self.taps += 1;
    }

    pub fn tap_containing(&mut self, role: &str, name: &str) {
        self.send(json!({"op": "click", "role": role, "name": name, "exact": false}));
        self.taps += 1;
    }

    pub fn type_text(&mut self, text: &str) {
        self.send(json!({"op": "type", "text": text}));
    }

    pub fn wait_for(&mut self, text: &str, timeout: Duration) {
        self.send(json!({"op": "wait_text", "text": text, "timeout": timeout.as_secs_f64()}));
    }

    pub fn screenshot(&mut self, name: &str) {
        let path = self.shots.join(format!("{name}.png"));
        self.send(json!({"op": "screenshot", "path": path}));
        assert!(std::fs::metadata(&path).map(|m| m.len() > 1000).unwrap_or(false), "screenshot {}", path.display());
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "{}", json!({"op": "quit"}));
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
    }
}
