//! Measures the release binary against the performance budget and prints one line per figure,
//! with the budget beside it.
//!
//!     cargo run --release --example measure
//!
//! It builds `target/release/xconnect` first (`cargo build --release --bin xconnect`; pass
//! `--no-build` to skip that), then runs it in an 80×24 pseudo-terminal:
//!
//! - time from spawn to the first complete frame (median of 15 starts);
//! - bytes written to the terminal per key: a move in the Permissions list, in the scope grid
//!   and in the App type list, a character typed into the Client ID field, and Enter to the
//!   next step (a step change: a full redraw is allowed there);
//! - CPU ticks (utime + stime from /proc) over 5 s with no input;
//! - peak resident memory (VmHWM) after a whole sandbox run to a saved profile;
//! - the size of the stripped release binary;
//! - the token exchange against the in-process sandbox, from the pasted redirect to the saved
//!   profile (parse, exchange, /2/users/me, profile, atomic save), median of 20, and the first
//!   one, which also makes the HTTP client.
//!
//! Linux only (it reads /proc).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

const CLIENT_ID: &str = "M1M5R3BMVy13QmpScXkzTUt5OE46MTpjaQ";
const CALLBACK: &str = "https://app.latenode.com/redirected/index.html";
/// A hang, not a timing budget: give up on a screen that never comes.
const PATIENCE: Duration = Duration::from_secs(20);
/// No output for this long after a key means the program has answered it.
const QUIET: Duration = Duration::from_millis(200);

const UP: &[u8] = b"\x1b[A";
const DOWN: &[u8] = b"\x1b[B";
const RIGHT: &[u8] = b"\x1b[C";
const LEFT: &[u8] = b"\x1b[D";

/// Runs of each, alternating, for the ratio against the floor: enough that the ratio moves
/// by a few hundredths from one run to the next, not by a tenth.
const PAIRS: usize = 101;

fn main() {
    let build = !std::env::args().any(|a| a == "--no-build");
    let bin = binary(build);
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    eprintln!("measuring {} …", bin.display());

    let mut rows: Vec<Row> = Vec::new();

    let starts: Vec<f64> = (0..15).map(|_| first_frame_ms(&bin)).collect();
    rows.push(Row::ms(
        "start to first complete frame (median of 15)",
        median(&starts),
        25.0,
    ));

    // Against the floor, in one run, alternating A B A B: the ratio of the medians is what
    // the machine allows, whatever else it is doing.
    let floor = floor_binary(build);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..PAIRS {
        ours.push(text_shown_ms(&bin, "Step 1 of"));
        theirs.push(text_shown_ms(&floor, "Step 1 of"));
    }
    let (ours, theirs) = (median(&ours), median(&theirs));
    rows.push(Row {
        ok: Some(ours / theirs <= 1.5),
        ..Row::info(
            &format!(
                "start to \"Step 1 of\": xconnect / the floor (medians of {PAIRS}, alternating)"
            ),
            format!("{ours:.2} ms / {theirs:.2} ms = {:.2}×", ours / theirs),
            "≤ 1.5×".to_string(),
        )
    });

    let keys = keys_session(&bin);
    // A level brings its scopes: the grid below the list changes too.
    rows.push(Row::bytes(
        "Permissions list ↑/↓ (highlight + the scopes it implies)",
        &keys.level,
        240,
    ));
    rows.push(Row::bytes(
        "scope grid ←/→ (highlight only)",
        &keys.grid,
        120,
    ));
    rows.push(Row::bytes(
        "App type list ↑/↓ (highlight only)",
        &keys.app_type,
        120,
    ));
    rows.push(Row::bytes(
        "character typed into Client ID",
        &keys.typed,
        40,
    ));
    rows.push(Row::info(
        "Enter to the next step (step change: full redraw)",
        format!("{} B", keys.step_change),
        "full redraw allowed".into(),
    ));
    rows.push(Row::info(
        "first frame (full screen)",
        format!("{} B", keys.first_frame),
        "full redraw".into(),
    ));
    rows.push(Row::count(
        "idle CPU ticks over 5 s, step 1",
        keys.idle_ticks,
        0,
    ));
    rows.push(Row::count(
        "idle bytes written over 5 s, step 1",
        keys.idle_bytes,
        0,
    ));
    let sandbox = sandbox_session(&bin);
    rows.push(Row::count(
        "idle CPU ticks over 5 s, Authorize (waiting)",
        sandbox.idle_ticks,
        0,
    ));
    let peak = keys.peak_kib.max(sandbox.peak_kib);
    rows.push(Row {
        what: "peak memory (VmHWM), whole sandbox run".into(),
        value: format!("{:.1} MB", peak as f64 / 1024.0),
        budget: "≤ 12 MB".into(),
        ok: Some(peak <= 12 * 1024),
    });
    rows.push(Row {
        what: "stripped release binary".into(),
        value: format!("{:.2} MB", size as f64 / (1024.0 * 1024.0)),
        budget: "≤ 8 MB".into(),
        ok: Some(size <= 8 * 1024 * 1024),
    });

    let (first, rest, saves) = exchange_ms();
    rows.push(Row::ms(
        "token exchange, pasted URL to saved profile (median of 20)",
        median(&rest),
        50.0,
    ));
    rows.push(Row::ms(
        "  the first one, making the HTTP client too",
        first,
        50.0,
    ));
    rows.push(Row::info(
        "  of which the atomic save (write, fsync, rename, fsync)",
        format!("{:.1} ms", median(&saves)),
        "".into(),
    ));

    print(&rows);
}

/// One line of the report.
struct Row {
    what: String,
    value: String,
    budget: String,
    ok: Option<bool>,
}

impl Row {
    fn ms(what: &str, ms: f64, budget: f64) -> Row {
        Row {
            what: what.into(),
            value: format!("{ms:.1} ms"),
            budget: format!("≤ {budget} ms"),
            ok: Some(ms <= budget),
        }
    }

    /// Median and largest of several presses; the budget holds for every one.
    fn bytes(what: &str, samples: &[usize], budget: usize) -> Row {
        let f: Vec<f64> = samples.iter().map(|b| *b as f64).collect();
        let max = samples.iter().copied().max().unwrap_or(0);
        Row {
            what: what.into(),
            value: format!("{:.0} B (max {max})", median(&f)),
            budget: format!("≤ {budget} B"),
            ok: Some(max <= budget),
        }
    }

    fn count(what: &str, n: u64, budget: u64) -> Row {
        Row {
            what: what.into(),
            value: n.to_string(),
            budget: if budget == 0 {
                "0".into()
            } else {
                format!("≤ {budget}")
            },
            ok: Some(n <= budget),
        }
    }

    fn info(what: &str, value: String, budget: String) -> Row {
        Row {
            what: what.into(),
            value,
            budget,
            ok: None,
        }
    }
}

fn print(rows: &[Row]) {
    let w = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(0);
    let v = rows
        .iter()
        .map(|r| r.value.chars().count())
        .max()
        .unwrap_or(0);
    for r in rows {
        let mark = match r.ok {
            Some(true) => "✓",
            Some(false) => "✗",
            None => " ",
        };
        let budget = if r.budget.is_empty() {
            String::new()
        } else {
            format!("   budget {}", r.budget)
        };
        println!(
            "{mark} {:<w$}  {:>v$}{budget}",
            r.what,
            r.value,
            w = w,
            v = v
        );
    }
}

fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// `target/release/xconnect`, next to this example's folder (`target/release/examples`).
fn binary(build: bool) -> PathBuf {
    if build {
        let status = std::process::Command::new(env!("CARGO"))
            .args(["build", "--release", "--bin", "xconnect", "--manifest-path"])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("measure: `cargo build --release` failed");
            std::process::exit(1);
        }
    }
    let exe = std::env::current_exe().expect("current_exe");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|d| d.join("xconnect"))
        .unwrap_or_default();
    if !bin.is_file() {
        eprintln!(
            "measure: no release binary at {}; run `cargo build --release` first, and run this \
             with `cargo run --release --example measure`",
            bin.display()
        );
        std::process::exit(1);
    }
    bin
}

/// The real binary in an 80×24 pseudo-terminal, its screen read by a VT100 parser.
struct Pty {
    parser: vt100::Parser,
    rx: Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    _config: tempfile::TempDir,
    started: Instant,
}

impl Pty {
    fn spawn(bin: &Path, args: &[&str]) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let config = tempfile::tempdir().expect("tempdir");
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        for k in [
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "TMUX",
            "STY",
            "SSH_CONNECTION",
            "SSH_TTY",
            "NO_COLOR",
        ] {
            cmd.env_remove(k);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("XCONNECT_CONFIG_DIR", config.path());
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn xconnect");
        drop(pair.slave);
        Pty {
            parser: vt100::Parser::new(24, 80, 0),
            rx,
            writer,
            child,
            _master: pair.master,
            _config: config,
            started,
        }
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("pid")
    }

    /// Reads what arrives within `wait`; returns the number of bytes.
    fn pump(&mut self, wait: Duration) -> Option<usize> {
        let bytes = self.rx.recv_timeout(wait).ok()?;
        self.parser.process(&bytes);
        Some(bytes.len())
    }

    fn row(&self, r: u16) -> String {
        self.parser
            .screen()
            .rows(0, 80)
            .nth(usize::from(r))
            .unwrap_or_default()
    }

    /// Reads until `done` holds for the screen; returns the bytes read.
    fn wait_until(&mut self, what: &str, done: impl Fn(&Pty) -> bool) -> usize {
        let start = Instant::now();
        let mut n = 0;
        while !done(self) {
            if start.elapsed() > PATIENCE {
                panic!(
                    "never saw {what}; screen:\n{}",
                    self.parser.screen().contents()
                );
            }
            n += self.pump(Duration::from_millis(20)).unwrap_or(0);
        }
        n
    }

    fn wait_for(&mut self, text: &str) -> usize {
        self.wait_until(text, |p| p.parser.screen().contents().contains(text))
    }

    /// Reads until nothing came for [`QUIET`]; returns the bytes read.
    fn settle(&mut self) -> usize {
        let mut n = 0;
        while let Some(b) = self.pump(QUIET) {
            n += b;
        }
        n
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// Sends a key and returns the bytes the program wrote in answer.
    fn key(&mut self, bytes: &[u8]) -> usize {
        self.settle();
        self.send(bytes);
        // The answer's first bytes, then until it stops.
        let mut n = self.pump(PATIENCE).unwrap_or(0);
        n += self.settle();
        n
    }

    /// CPU ticks (utime + stime) of the process so far.
    fn ticks(&self) -> u64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).unwrap_or_default();
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let f: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the line; `rest` starts at field 3.
        let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        n(11) + n(12)
    }

    /// Peak resident memory in KiB.
    fn peak_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Ticks and bytes over `d` with no input.
    fn idle(&mut self, d: Duration) -> (u64, u64) {
        self.settle();
        let before = self.ticks();
        let end = Instant::now() + d;
        let mut bytes = 0;
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            bytes += self.pump(left).unwrap_or(0) as u64;
        }
        (self.ticks() - before, bytes)
    }

    fn quit(mut self) {
        self.send(b"\x03");
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            self.pump(Duration::from_millis(20));
        }
        let _ = self.child.kill();
    }
}

/// Step 1 is complete when its footer, the last line drawn, is on the screen.
fn step1_drawn(p: &Pty) -> bool {
    p.row(0).contains("Step 1 of 7") && p.row(23).contains("q quit")
}

/// From spawn until `text` has been written. The bytes are searched as they arrive, not put
/// through this harness's terminal emulator first: what is timed is the program, not the
/// emulator (which takes longer over a full frame than over the floor's one line). Both
/// programs write the text whole, in one piece.
fn text_shown_ms(bin: &Path, text: &str) -> f64 {
    let mut p = Pty::spawn(bin, &[]);
    let mut seen: Vec<u8> = Vec::new();
    let ms = loop {
        match p.rx.recv_timeout(PATIENCE) {
            Ok(bytes) => {
                seen.extend_from_slice(&bytes);
                if seen.windows(text.len()).any(|w| w == text.as_bytes()) {
                    break p.started.elapsed().as_secs_f64() * 1000.0;
                }
            }
            Err(_) => panic!("never saw {text:?}: {}", String::from_utf8_lossy(&seen)),
        }
    };
    p.parser.process(&seen);
    p.quit();
    ms
}

/// The floor program (`examples/floor.rs`), built beside this one.
fn floor_binary(build: bool) -> PathBuf {
    if build {
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--release",
                "--example",
                "floor",
                "--manifest-path",
            ])
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            eprintln!("measure: `cargo build --release --example floor` failed");
            std::process::exit(1);
        }
    }
    let exe = std::env::current_exe().expect("current_exe");
    exe.with_file_name("floor")
}

fn first_frame_ms(bin: &Path) -> f64 {
    let mut p = Pty::spawn(bin, &[]);
    p.wait_until("the first frame", step1_drawn);
    let ms = p.started.elapsed().as_secs_f64() * 1000.0;
    p.quit();
    ms
}

struct Keys {
    first_frame: usize,
    step_change: usize,
    level: Vec<usize>,
    grid: Vec<usize>,
    app_type: Vec<usize>,
    typed: Vec<usize>,
    idle_ticks: u64,
    idle_bytes: u64,
    peak_kib: u64,
}

fn keys_session(bin: &Path) -> Keys {
    let mut p = Pty::spawn(bin, &[]);
    let mut first_frame = p.wait_until("the first frame", step1_drawn);
    first_frame += p.settle();
    let (idle_ticks, idle_bytes) = p.idle(Duration::from_secs(5));

    let step_change = p.key(b"\r");
    assert!(p.row(0).contains("Step 2 of 7"), "{}", p.row(0));
    // Read and write → Read → Read and write → … and write and DM → …: every press moves.
    let mut level = Vec::new();
    for k in [UP, DOWN, DOWN, UP, UP, DOWN, DOWN, UP] {
        level.push(p.key(k));
    }
    p.key(b"\t");
    let mut grid = Vec::new();
    for k in [RIGHT, RIGHT, LEFT, RIGHT, LEFT, LEFT] {
        grid.push(p.key(k));
    }
    p.key(b"\r");
    assert!(p.row(0).contains("Step 3 of 7"), "{}", p.row(0));
    let mut app_type = Vec::new();
    for k in [DOWN, UP, DOWN, UP, DOWN, UP] {
        app_type.push(p.key(k));
    }
    p.key(b"\r");
    p.key(b"\r");
    assert!(p.row(0).contains("Step 5 of 7"), "{}", p.row(0));
    let typed: Vec<usize> = CLIENT_ID.bytes().map(|c| p.key(&[c])).collect();
    let peak_kib = p.peak_kib();
    p.quit();
    Keys {
        first_frame,
        step_change,
        level,
        grid,
        app_type,
        typed,
        idle_ticks,
        idle_bytes,
        peak_kib,
    }
}

struct SandboxRun {
    idle_ticks: u64,
    peak_kib: u64,
}

/// The whole wizard in the sandbox, to a saved profile.
fn sandbox_session(bin: &Path) -> SandboxRun {
    let mut p = Pty::spawn(bin, &["--sandbox"]);
    p.wait_until("the first frame", step1_drawn);
    for next in ["Step 2 of 7", "Step 3 of 7", "Step 4 of 7", "Step 5 of 7"] {
        p.send(b"\r");
        p.wait_for(next);
    }
    p.send(format!("\x1b[200~{CLIENT_ID}\x1b[201~").as_bytes());
    p.wait_for(CLIENT_ID);
    p.send(b"\r");
    p.wait_for("a approve (sandbox)");
    let (idle_ticks, _) = p.idle(Duration::from_secs(5));
    p.send(b"a");
    p.wait_for("Connected to X as @sandbox_user");
    p.wait_for("default.toml");
    p.settle();
    let peak_kib = p.peak_kib();
    p.quit();
    SandboxRun {
        idle_ticks,
        peak_kib,
    }
}

/// In milliseconds: the first exchange, which makes the HTTP client too; the next 20; and the
/// saves of those 20 alone.
fn exchange_ms() -> (f64, Vec<f64>, Vec<f64>) {
    use xconnect::app::AppConfig;
    use xconnect::callback::parse_redirect;
    use xconnect::login::build_profile;
    use xconnect::sandbox::{Sandbox, SandboxApp};
    use xconnect::secret::Secret;
    use xconnect::store::file::Store;
    use xconnect::x::{oauth, users, AppType, Endpoints};

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let sandbox = Sandbox::start().await.expect("sandbox");
        sandbox.register_app(SandboxApp::public(CLIENT_ID, [CALLBACK]));
        let base = sandbox.base_url();
        let endpoints = Endpoints::new(&base, &base).expect("endpoints");
        let settings = AppConfig {
            client_id: CLIENT_ID.into(),
            client_secret: None,
            app_type: AppType::Native,
            callback_url: CALLBACK.into(),
            website_url: "https://app.latenode.com/connections".into(),
            scopes: ["tweet.read", "users.read", "offline.access"]
                .map(String::from)
                .to_vec(),
            permission: Default::default(),
        };
        let callback = url::Url::parse(CALLBACK).expect("callback");
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::at(dir.path().to_path_buf());
        let mut http: Option<reqwest::Client> = None;
        let mut times = Vec::new();
        let mut saves = Vec::new();
        for _ in 0..21 {
            let pending = oauth::authorization(&settings, &endpoints).expect("link");
            let pasted = sandbox.approve(&pending.url).await.expect("approve");
            let t0 = Instant::now();
            let redirect = parse_redirect(&pasted, &callback, &pending.state).expect("redirect");
            let client = match &http {
                Some(c) => c.clone(),
                None => http.insert(oauth::http_client().expect("client")).clone(),
            };
            let tokens = oauth::exchange(
                &client,
                &settings,
                &endpoints,
                &Secret::new(redirect.code),
                &pending.verifier,
            )
            .await
            .expect("exchange");
            let proof = users::me(&client, &endpoints, &tokens.access_token).await;
            assert!(proof.is_ok(), "users/me: {proof:?}");
            let profile = build_profile(
                &settings,
                &tokens,
                &proof,
                &endpoints,
                time::OffsetDateTime::now_utc(),
            );
            let t1 = Instant::now();
            store.save("default", &profile, true).expect("save");
            saves.push(t1.elapsed().as_secs_f64() * 1000.0);
            times.push(t0.elapsed().as_secs_f64() * 1000.0);
        }
        let first = times.remove(0);
        saves.remove(0);
        (first, times, saves)
    })
}
