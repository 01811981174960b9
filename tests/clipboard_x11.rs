//! The clipboard on a real (virtual) X display: a value copied in the wizard is still there
//! after the wizard ends, as a person expects when pasting it elsewhere afterwards. Needs
//! `Xvfb` and `xclip` (Debian packages `xvfb` and `xclip`; `.ci/run` installs them).

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::pty::Pty;

/// A virtual X server on a free display number; stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

/// One virtual X server at a time: two tests picking a display number at once would both take
/// the first free one.
static ONE_DISPLAY: std::sync::Mutex<()> = std::sync::Mutex::new(());

impl Xvfb {
    /// Holds [`ONE_DISPLAY`] for as long as the test keeps the guard.
    fn start_alone() -> (std::sync::MutexGuard<'static, ()>, Xvfb) {
        let guard = ONE_DISPLAY.lock().unwrap_or_else(|e| e.into_inner());
        (guard, Xvfb::start())
    }

    fn start() -> Xvfb {
        let found = Command::new("Xvfb")
            .arg("-help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        assert!(
            found,
            "this test needs a virtual X server: apt-get install xvfb xclip (.ci/run does)"
        );
        // A display number nobody uses: no socket and no lock file for it.
        let n = (90..400)
            .find(|n| {
                !std::path::Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !std::path::Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free display number");
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([&display, "-screen", "0", "640x480x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let x = Xvfb { child, display };
        // Ready when a client can talk to it.
        let start = Instant::now();
        while !x.xclip_ok() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "Xvfb did not start on {}",
                x.display
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        x
    }

    fn xclip_ok(&self) -> bool {
        Command::new("xclip")
            .args(["-selection", "clipboard", "-o"])
            .env("DISPLAY", &self.display)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map(|o| {
                // Empty clipboard: xclip fails with a message about the target, not the display.
                !String::from_utf8_lossy(&o.stderr).contains("Can't open display")
            })
            .unwrap_or_else(|e| panic!("this test needs xclip ({e}): apt-get install xclip"))
    }

    /// What `xclip -o -selection clipboard` reads, or `None` when nobody serves it.
    fn clipboard(&self) -> Option<String> {
        let out = Command::new("xclip")
            .args(["-selection", "clipboard", "-o"])
            .env("DISPLAY", &self.display)
            .stderr(Stdio::null())
            .output()
            .expect("xclip");
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Another program takes the clipboard, as a copy elsewhere would.
    fn copy_elsewhere(&self, text: &str) {
        use std::io::Write;
        let mut xclip = Command::new("xclip")
            .args(["-selection", "clipboard", "-i"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip -i");
        xclip
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
        // xclip forks a server of its own and the first process ends.
        let _ = xclip.wait();
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const DASHBOARD: &str = "https://developer.x.com/en/portal/dashboard";

/// The processes that run this binary as the helper that serves the clipboard.
fn helper_pids() -> Vec<u32> {
    let exe = std::fs::canonicalize(env!("CARGO_BIN_EXE_xconnect")).expect("exe");
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .filter(|e| {
            std::fs::read_link(e.path().join("exe")).is_ok_and(|p| p == exe)
                && std::fs::read(e.path().join("cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains("__serve-clipboard"))
        })
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect()
}

/// How many helpers serve the clipboard.
fn helpers_serving() -> usize {
    helper_pids().len()
}

#[test]
fn a_copied_value_outlives_the_wizard_until_another_program_takes_the_clipboard() {
    let (_alone, x) = Xvfb::start_alone();
    let before = helpers_serving();
    let mut p = Pty::spawn(&[], &[("DISPLAY", x.display.as_str())]);
    p.wait_for("Step 1 of 7");
    p.send(b"c");
    p.wait_for("copied to the clipboard");
    assert_eq!(x.clipboard().as_deref(), Some(DASHBOARD), "while it runs");
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
    p.assert_restored();
    // The wizard has ended; the value is still served.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(x.clipboard().as_deref(), Some(DASHBOARD), "after the end");
    assert_eq!(helpers_serving(), before + 1, "one helper serves it");
    // Another program takes the clipboard: the helper has nothing left to do and ends.
    x.copy_elsewhere("something else");
    let start = Instant::now();
    while helpers_serving() > before {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the helper ends once the clipboard is taken"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(x.clipboard().as_deref(), Some("something else"));
}

#[test]
fn the_helper_keeps_no_secret_from_xconnect_s_environment() {
    const SECRET: &str = "client-secret-the-helper-never-holds";
    const PASSWORD: &str = "pg-password-the-helper-never-holds";
    let (_alone, x) = Xvfb::start_alone();
    let before = helper_pids();
    let mut p = Pty::spawn(
        &[],
        &[
            ("DISPLAY", x.display.as_str()),
            ("XCONNECT_CLIENT_SECRET", SECRET),
            ("PGPASSWORD", PASSWORD),
        ],
    );
    p.wait_for("Step 1 of 7");
    p.send(b"c");
    p.wait_for("copied to the clipboard");
    let helpers: Vec<u32> = helper_pids()
        .into_iter()
        .filter(|pid| !before.contains(pid))
        .collect();
    assert_eq!(helpers.len(), 1, "one helper serves the copy");
    let environ = std::fs::read(format!("/proc/{}/environ", helpers[0])).expect("environ");
    let vars: Vec<String> = environ
        .split(|b| *b == 0)
        .filter(|v| !v.is_empty())
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    for v in &vars {
        assert!(
            !v.contains(SECRET) && !v.contains(PASSWORD),
            "the helper holds {v}"
        );
        let name = v.split('=').next().unwrap_or_default();
        assert!(
            !name.starts_with("XCONNECT_") && !name.starts_with("PG"),
            "the helper holds {name}"
        );
    }
    assert!(
        vars.contains(&format!("DISPLAY={}", x.display)),
        "the helper keeps what it needs: {vars:?}"
    );
    p.send(b"q");
    assert_eq!(p.wait_exit(), 0);
    assert_eq!(x.clipboard().as_deref(), Some(DASHBOARD), "it still serves");
    // Another program takes the clipboard: the helper ends (and is not left to the next test).
    x.copy_elsewhere("done");
    let start = Instant::now();
    while helper_pids().contains(&helpers[0]) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the helper ends once the clipboard is taken"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
