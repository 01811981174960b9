//! Every file xconnect reads is read with a bound, never through a link and never waiting on a
//! FIFO or a device: a FIFO or a link to /dev/zero where the default-profile marker, the
//! interrupted setup's file or the sandbox's state should be ends the command at once with a
//! clear message. A line on login's stdin longer than any address is refused without being
//! kept. Each runs the real binary; a run past 20 s is a hang, killed, and fails the test.

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::*;
use common::pty::Pty;

/// How long a run may take before it counts as a hang (not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(20);

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn link_to_zero(path: &Path) {
    std::os::unix::fs::symlink("/dev/zero", path).expect("symlink");
}

/// Puts something other than a small regular file at a path.
type Trap = fn(&Path);

/// The two things put where a small file should be, and what the message calls each.
fn traps() -> [(&'static str, Trap); 2] {
    [("FIFO", mkfifo), ("symbolic link", link_to_zero)]
}

/// Runs `cmd` to its end (stdin empty, output piped); past [`PATIENCE`] it is killed and the
/// test fails.
fn run_bounded(mut cmd: Command) -> Ended {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn xconnect");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let out = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if start.elapsed() > PATIENCE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("xconnect hung: killed after {PATIENCE:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ended {
        code: status.code().unwrap_or(-1),
        stdout: out.join().expect("stdout"),
        stderr: err.join().expect("stderr"),
    }
}

fn xconnect(w: &World, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xconnect"));
    cmd.args(args).arg("--config-dir").arg(w.dir.path());
    for var in [
        "XCONNECT_CONFIG_DIR",
        "XCONNECT_STATE_DIR",
        "XCONNECT_API_BASE",
        "XCONNECT_STORE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn a_default_marker_that_is_not_a_small_file_is_named_not_waited_on() {
    for (what, trap) in traps() {
        let w = World::new();
        w.logged_in("a");
        w.logged_in("b");
        let marker = w.dir.path().join("default");
        trap(&marker);
        let e = run_bounded(xconnect(&w, &["token"]));
        assert_eq!(e.code, 1, "{what}: {}", e.stderr);
        assert!(e.stdout.is_empty(), "{what}: {}", e.stdout);
        assert!(
            e.stderr
                .contains(&format!("{} is a {what}", marker.display())),
            "{what}: {}",
            e.stderr
        );
        assert!(
            e.stderr.contains("xconnect default NAME"),
            "{what}: {}",
            e.stderr
        );
        // The listing still lists, and says why no profile is marked the default.
        let list = run_bounded(xconnect(&w, &["profiles"]));
        assert_eq!(list.code, 0, "{what}: {}", list.stderr);
        assert!(list.stdout.contains("  a "), "{what}: {}", list.stdout);
        assert!(
            list.stderr.starts_with("warning: ") && list.stderr.contains(&format!("is a {what}")),
            "{what}: {}",
            list.stderr
        );
        // A named profile does not need the marker.
        let named = run_bounded(xconnect(&w, &["token", "a"]));
        assert_eq!(named.code, 0, "{what}: {}", named.stderr);
    }
}

#[test]
fn an_interrupted_setup_file_that_is_not_a_small_file_stops_the_wizard_with_advice() {
    for (what, trap) in traps() {
        let home = tempfile::tempdir().expect("tmp");
        let state = home.path().join("state");
        std::fs::create_dir_all(&state).expect("state dir");
        let session = state.join("session.toml");
        trap(&session);
        let dir = home.path().to_str().expect("path");
        let mut p = Pty::spawn(&[], &[("XCONNECT_CONFIG_DIR", dir)]);
        assert_eq!(p.wait_exit(), 1, "{what}: {}", p.screen());
        let said = String::from_utf8_lossy(&p.raw).replace("\r\n", " ");
        assert!(said.contains("session.toml is a"), "{what}: {said}");
        assert!(said.contains(what), "{what}: {said}");
        assert!(said.contains("xconnect --fresh"), "{what}: {said}");
        // --fresh starts over: the file goes, the wizard starts.
        let mut fresh = Pty::spawn(&["--fresh"], &[("XCONNECT_CONFIG_DIR", dir)]);
        fresh.wait_for("Step 1 of 7");
        fresh.send(b"q");
        assert_eq!(fresh.wait_exit(), 0, "{what}");
        assert!(
            std::fs::symlink_metadata(&session).is_err()
                || std::fs::symlink_metadata(&session).is_ok_and(|m| m.is_file()),
            "{what}: the trap is gone"
        );
    }
}

/// A profile of `w` that the built-in emulator serves (`[endpoints] sandbox = true`), so
/// that a command on it starts the emulator with its state in `<config>/state`.
fn sandbox_profile(w: &World) {
    w.logged_in("default");
    let path = w.profile("default");
    let mut v: toml::Value =
        toml::from_str(&std::fs::read_to_string(&path).expect("read")).expect("toml");
    v["endpoints"]
        .as_table_mut()
        .expect("[endpoints]")
        .insert("sandbox".into(), toml::Value::Boolean(true));
    std::fs::write(&path, toml::to_string(&v).expect("toml")).expect("write");
}

#[test]
fn a_sandbox_state_file_that_is_not_a_small_file_is_named_not_waited_on() {
    for file in ["sandbox.json", "sandbox.lock"] {
        for (what, trap) in traps() {
            let w = World::new();
            sandbox_profile(&w);
            let state = w.dir.path().join("state");
            std::fs::create_dir_all(&state).expect("state dir");
            trap(&state.join(file));
            let e = run_bounded(xconnect(&w, &["api", "/2/users/me"]));
            assert_eq!(e.code, 1, "{file} {what}: {}", e.stderr);
            assert!(e.stdout.is_empty(), "{file} {what}: {}", e.stdout);
            assert!(
                e.stderr.contains("cannot start the sandbox")
                    && e.stderr.contains(&format!("{file} is a {what}")),
                "{file} {what}: {}",
                e.stderr
            );
        }
    }
}

/// The most memory the process has held (VmHWM), in bytes.
fn peak_memory(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM");
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .expect("a number");
    kb * 1024
}

#[test]
fn a_line_on_login_s_stdin_longer_than_any_address_is_refused_unkept() {
    let w = World::new();
    let mut l = w.login(&["--client-id", ID], &[]);
    l.link();
    let pid = l.child.id();
    // 256 MiB without a line break, then a line that is only too long.
    let mut stdin = l.child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..256 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = stdin.write_all(b"\n");
        let _ = stdin.flush();
        stdin
    });
    let stdin = writer.join().expect("writer");
    let peak = peak_memory(pid);
    assert!(
        peak < 128 << 20,
        "a 256 MiB line was kept: the process held {} MiB",
        peak >> 20
    );
    drop(stdin);
    let e = l.end();
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(
        e.stderr.contains(
            "the line on stdin is longer than 64 KiB, too long to be the address X sends you to"
        ),
        "{}",
        e.stderr
    );
    assert!(!w.profile("default").exists());
}
