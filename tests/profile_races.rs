//! Two real processes on one profile, a lock file that is not a file, a process killed in the
//! middle of a save: every write of a profile goes through the profile's lock, and a rotated
//! refresh token is never lost or written back over a newer file.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cli::*;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use xconnect::secret::Secret;
use xconnect::x::oauth;
use xconnect::x::Endpoints;

fn access(w: &World, name: &str) -> String {
    w.read(name)["token"]["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

fn refresh_token(w: &World, name: &str) -> String {
    w.read(name)["token"]["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string()
}

/// Does X take this access token? (`GET /2/users/me`)
fn works(w: &World, token: &str) -> bool {
    let e = Endpoints::new(&w.sandbox.base_url(), &w.sandbox.base_url()).expect("endpoints");
    w.rt.block_on(async {
        let http = oauth::http_client().expect("client");
        xconnect::x::users::me(&http, &e, &Secret::new(token))
            .await
            .is_ok()
    })
}

/// A door to the emulator on 127.0.0.1 that holds every connection until the test opens it:
/// a refresh sent through it stays in flight (its process holding the profile's lock) for as
/// long as the test wants.
struct Gate {
    base: String,
    arrived: Receiver<()>,
    open: Arc<Semaphore>,
}

impl Gate {
    fn new(w: &World) -> Gate {
        let listener =
            w.rt.block_on(TcpListener::bind("127.0.0.1:0"))
                .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = w
            .sandbox
            .base_url()
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let (tx, arrived) = channel();
        let open = Arc::new(Semaphore::new(0));
        let gate = Arc::clone(&open);
        w.rt.spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let _ = tx.send(());
                let (gate, upstream) = (Arc::clone(&gate), upstream.clone());
                tokio::spawn(async move {
                    if let Ok(permit) = gate.acquire().await {
                        drop(permit);
                    }
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Gate {
            base,
            arrived,
            open,
        }
    }

    /// Waits until a request reached the gate.
    fn wait_arrival(&self) {
        self.arrived
            .recv_timeout(Duration::from_secs(30))
            .expect("a request reached the gate");
    }

    fn open(&self) {
        self.open.add_permits(Semaphore::MAX_PERMITS / 2);
    }
}

/// A running `xconnect` whose stderr is read line by line as it comes.
struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(w: &World, args: &[&str], env: &[(&str, &str)]) -> Running {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_xconnect"));
        cmd.args(args)
            .arg("--config-dir")
            .arg(w.dir.path())
            .env_remove("XCONNECT_API_BASE")
            .env_remove("XCONNECT_CONFIG_DIR")
            .env_remove("XCONNECT_CLIENT_SECRET")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn xconnect");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle`; `false` when stderr ends first.
    fn wait_line(&mut self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return true;
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return false,
                Err(_) => panic!("no line with {needle:?}; stderr: {:?}", self.seen),
            }
        }
    }

    fn type_line(&mut self, text: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("stdin");
        writeln!(stdin, "{text}").expect("write stdin");
    }

    fn end(mut self) -> Ended {
        use std::io::Read;
        drop(self.child.stdin.take());
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            let _ = out.read_to_string(&mut stdout);
        }
        let status = wait_bounded(&mut self.child);
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(l);
        }
        Ended {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: self.seen.join("\n"),
        }
    }
}

/// `xconnect token` on an expiring profile, its refresh held at the gate: it holds the lock.
fn token_in_flight(w: &World, gate: &Gate) -> Running {
    w.expire("default");
    let token = Running::start(w, &["token", "--api-base", &gate.base], &[]);
    gate.wait_arrival();
    token
}

#[test]
fn a_login_that_ends_during_a_refresh_stands_after_the_refresh_ends() {
    let w = World::new();
    w.logged_in("default");
    let gate = Gate::new(&w);
    let token = token_in_flight(&w, &gate);

    // A new login (the saved app settings, a new grant) finishes while the refresh is in flight.
    let base = w.sandbox.base_url();
    let mut login = Running::start(
        &w,
        &[
            "login",
            "--no-tui",
            "--profile",
            "default",
            "--force",
            "--auth-base",
            &base,
            "--api-base",
            &base,
        ],
        &[],
    );
    assert!(login.wait_line("http"), "a link: {:?}", login.seen);
    let link = login
        .seen
        .iter()
        .rev()
        .find(|l| l.starts_with("http"))
        .expect("link")
        .clone();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    login.type_line(&redirect);
    // It has its tokens; it either saves now (and ends) or waits for the refresh's lock.
    assert!(login.wait_line("Logged in as"), "{:?}", login.seen);
    std::thread::sleep(Duration::from_millis(500));

    gate.open();
    let t = token.end();
    assert_eq!(t.code, 0, "{}", t.stderr);
    let l = login.end();
    assert_eq!(l.code, 0, "{}", l.stderr);

    let saved = access(&w, "default");
    assert_ne!(
        saved,
        t.stdout.trim(),
        "the refresh of the old grant was not written over the new login"
    );
    assert!(works(&w, &saved));
    assert_eq!(
        w.run(&["refresh"]).code,
        0,
        "the saved refresh token is live"
    );
    assert!(
        l.stderr
            .contains("waiting for another xconnect process that is refreshing default"),
        "the login says what it waits for: {}",
        l.stderr
    );
}

#[test]
fn a_remove_during_a_refresh_is_not_undone() {
    let w = World::new();
    w.logged_in("default");
    let gate = Gate::new(&w);
    let token = token_in_flight(&w, &gate);

    let mut remove = Running::start(&w, &["remove", "default", "--yes"], &[]);
    // Either it says it waits for the refresh, or (without the lock) it ends at once.
    let waited =
        remove.wait_line("waiting for another xconnect process that is refreshing default");
    gate.open();
    let t = token.end();
    assert_eq!(t.code, 0, "{}", t.stderr);
    let r = remove.end();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !w.profile("default").exists(),
        "the refresh did not bring the removed profile back"
    );
    assert!(waited, "the remove waited for the refresh: {}", r.stderr);
}

#[test]
fn a_fifo_in_place_of_the_lock_file_is_refused_at_once() {
    let w = World::new();
    w.logged_in("default");
    w.expire("default");
    let lock = w.dir.path().join("profiles/.default.lock");
    let c_path = std::ffi::CString::new(lock.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: creates a FIFO at a path the test owns.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let started = Instant::now();
    let e = w.run(&["token"]);
    assert!(started.elapsed() < Duration::from_secs(20), "no hang");
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(e.stderr.contains("not a regular file"), "{}", e.stderr);
    assert!(e.stderr.contains(".default.lock"), "{}", e.stderr);
    assert_eq!(e.stderr.lines().count(), 1, "{}", e.stderr);
    assert_eq!(w.sandbox.stats().refreshes, 0);
}

#[test]
fn a_symlink_in_place_of_the_lock_file_is_not_followed() {
    let w = World::new();
    w.logged_in("default");
    w.expire("default");
    let elsewhere = w.dir.path().join("elsewhere");
    std::fs::write(&elsewhere, "keep\n").expect("write");
    let lock = w.dir.path().join("profiles/.default.lock");
    std::os::unix::fs::symlink(&elsewhere, &lock).expect("symlink");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(e.stderr.contains("symbolic link"), "{}", e.stderr);
    assert_eq!(std::fs::read_to_string(&elsewhere).expect("read"), "keep\n");
    assert_eq!(w.sandbox.stats().refreshes, 0);
}

#[test]
fn a_lock_held_too_long_ends_in_exit_5_after_saying_what_it_waits_for() {
    let w = World::new();
    w.logged_in("default");
    w.expire("default");
    // Another process holds the lock (here: the test) and does not let go.
    let path = w.dir.path().join("profiles/.default.lock");
    let held = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .expect("lock file");
    held.lock().expect("lock");
    std::fs::write(&path, "refreshing\n").expect("say why");
    let started = Instant::now();
    let e = w.run_env(&["token"], &[("XCONNECT_TIMEOUT", "1")]);
    let took = started.elapsed();
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert!(
        e.stderr
            .contains("waiting for another xconnect process that is refreshing default"),
        "{}",
        e.stderr
    );
    assert!(e.stderr.contains("try again"), "{}", e.stderr);
    assert!(took < Duration::from_secs(30), "bounded: {took:?}");
    assert_eq!(w.sandbox.stats().refreshes, 0);
    drop(held);
    assert_eq!(w.run(&["token"]).code, 0, "once it is free, all is well");
}

#[test]
fn remove_yes_deletes_a_profile_that_cannot_be_read() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    for (name, junk) in [
        ("corrupt", b"version = 1\n[app\n".to_vec()),
        ("big", vec![b'#'; 2 << 20]),
        ("unreadable", b"version = 1\n".to_vec()),
    ] {
        w.logged_in(name);
        let path = w.profile(name);
        std::fs::write(&path, &junk).expect("write");
        if name == "unreadable" {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
        }
        let e = w.run(&["show", name]);
        assert_ne!(e.code, 0, "{name}: {}", e.stderr);
        let e = w.run(&["remove", name, "--yes"]);
        assert_eq!(e.code, 0, "{name}: {}", e.stderr);
        assert!(!path.exists(), "{name}: removed");
    }
    assert_eq!(w.run(&["remove", "ghost", "--yes"]).code, 3);
}

#[test]
fn the_advice_for_a_corrupt_profile_is_a_command_that_works() {
    let w = World::new();
    w.logged_in("default");
    std::fs::write(w.profile("default"), "version = 1\n[app\n").expect("write");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 6, "{}", e.stderr);
    assert!(
        e.stderr.contains("xconnect remove default --yes"),
        "{}",
        e.stderr
    );
    assert_eq!(w.run(&["remove", "default", "--yes"]).code, 0);
    assert!(!w.profile("default").exists());
}

#[test]
fn default_refuses_a_corrupt_profile_and_a_missing_one() {
    let w = World::new();
    w.logged_in("good");
    w.logged_in("bad");
    std::fs::write(w.profile("bad"), "version = 1\n[app\n").expect("write");
    let e = w.run(&["default", "bad"]);
    assert_eq!(e.code, 6, "{}", e.stderr);
    assert!(!w.dir.path().join("default").exists(), "{}", e.stderr);
    let e = w.run(&["default", "ghost"]);
    assert_eq!(e.code, 3, "{}", e.stderr);
    assert_eq!(w.run(&["default", "good"]).code, 0);
}

#[test]
fn a_profile_that_is_a_symlink_is_refused_on_load_and_on_save() {
    let w = World::new();
    w.logged_in("default");
    let path = w.profile("default");
    let real = w.dir.path().join("real.toml");
    std::fs::rename(&path, &real).expect("move");
    std::os::unix::fs::symlink(&real, &path).expect("symlink");
    w.expire("default");
    let before = std::fs::read(&real).expect("read");
    let e = w.run(&["token"]);
    assert_ne!(e.code, 0, "{}", e.stderr);
    assert!(e.stderr.contains("symbolic link"), "{}", e.stderr);
    assert!(
        std::fs::symlink_metadata(&path)
            .expect("still there")
            .file_type()
            .is_symlink(),
        "the link is left as it is"
    );
    assert_eq!(std::fs::read(&real).expect("read"), before);
    assert_eq!(w.sandbox.stats().refreshes, 0);
}

#[test]
fn a_symlinked_profiles_folder_is_never_chmodded() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    let shared = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::os::unix::fs::symlink(shared.path(), w.dir.path().join("profiles")).expect("symlink");
    let mut l = w.login(&["--client-id", ID], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    let e = l.end();
    assert_eq!(
        mode(shared.path()),
        0o755,
        "the shared folder keeps its mode"
    );
    assert_ne!(e.code, 0, "{}", e.stderr);
    assert!(e.stderr.contains("symbolic link"), "{}", e.stderr);
    assert!(e.stderr.contains("chmod 700"), "{}", e.stderr);
}

/// `kill -9` right when the save's rename starts (after the new file is complete and flushed):
/// the next run promotes the complete temporary file, which holds the only live refresh token.
#[test]
fn a_save_killed_before_its_rename_is_recovered_by_the_next_run() {
    let strace_works = Command::new("strace")
        .args(["-qq", "-o", "/dev/null", "true"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        strace_works,
        "this test needs strace (and ptrace) to stop a process at its rename: apt-get install strace (.ci/run does)"
    );
    let w = World::new();
    w.logged_in("default");
    let old_refresh = refresh_token(&w, "default");
    w.expire("default");
    let status = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null"])
        .args(["-e", "trace=rename,renameat,renameat2"])
        .args(["-e", "inject=rename,renameat,renameat2:signal=KILL"])
        .arg(env!("CARGO_BIN_EXE_xconnect"))
        .arg("token")
        .arg("--config-dir")
        .arg(w.dir.path())
        .env_remove("XCONNECT_API_BASE")
        .env_remove("XCONNECT_CONFIG_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("strace");
    assert!(!status.success(), "the process was killed");
    assert_eq!(
        w.sandbox.stats().refreshes,
        1,
        "X rotated the refresh token"
    );
    assert_eq!(
        refresh_token(&w, "default"),
        old_refresh,
        "the rename did not land"
    );
    let temps = temp_files(&w.dir.path().join("profiles"));
    assert_eq!(temps.len(), 1, "one complete temporary file: {temps:?}");

    // The next run recovers it: the saved refresh token is the rotated one…
    let e = w.run(&["token"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stderr.contains("recovered"), "{}", e.stderr);
    assert_ne!(refresh_token(&w, "default"), old_refresh);
    assert!(temp_files(&w.dir.path().join("profiles")).is_empty());
    assert!(works(&w, e.stdout.trim()));
    // …and X takes it.
    let e = w.run(&["refresh"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stdout.starts_with("Refreshed default"), "{}", e.stdout);
    assert_eq!(w.sandbox.stats().refreshes, 2);
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.contains(".tmp-"))
        .collect()
}

/// A tmpfs mounted over a folder for one test (the tests run as root, as CI does), unmounted
/// when dropped.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn over(dir: &Path, size: &str) -> SmallDisk {
        let status = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir)
            .status()
            .expect("mount");
        assert!(
            status.success(),
            "this test mounts a small tmpfs to fill a disk, which needs root (CI runs as root)"
        );
        SmallDisk(dir.to_path_buf())
    }

    /// Fills what is left with a file, and returns it.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.join("ballast");
        let mut f = std::fs::File::create(&path).expect("ballast");
        let block = [0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// A full disk during a refresh: the space the save needs is taken before X is asked, so on a
/// full disk X is never asked, the saved refresh token still works, and the refresh goes
/// through once there is room again.
#[test]
fn a_full_disk_stops_a_refresh_before_x_rotates_anything() {
    let w = World::new();
    let disk = SmallDisk::over(w.dir.path(), "512k");
    w.logged_in("default");
    w.expire("default");
    let before = refresh_token(&w, "default");
    let ballast = disk.fill();

    let e = w.run(&["token"]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert!(e.stdout.is_empty());
    assert!(e.stderr.contains("nothing was sent to X"), "{}", e.stderr);
    assert!(e.stderr.contains("No space left on device"), "{}", e.stderr);
    assert_eq!(w.sandbox.stats().refreshes, 0, "X was not asked");
    assert_eq!(refresh_token(&w, "default"), before);
    let left: Vec<String> = std::fs::read_dir(w.dir.path().join("profiles"))
        .expect("profiles")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    assert_eq!(left, ["default.toml"], "no reservation left behind");

    std::fs::remove_file(ballast).expect("free the disk");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(works(&w, e.stdout.trim()));
    assert_ne!(refresh_token(&w, "default"), before);
    assert_eq!(w.sandbox.stats().refreshes, 1);
    assert_eq!(w.sandbox.stats().replays, 0);
    drop(disk);
}
