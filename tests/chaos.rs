//! Chaos: `token`, `refresh`, `api`, `login --force`, `remove`, `revoke`, `store push` and
//! `store pull` on two machines (config folders; each command with or without the shared
//! store) and the store, several at once, many of them killed (SIGKILL) at a random moment (a
//! random fraction of the time that kind of command takes), tokens often expired so that the
//! commands refresh.
//!
//! After every wave of commands: no token chain has two owners (a copy that reads and has no
//! `[moved]`), no owner holds a refresh token that X rotated out, X saw no replayed refresh
//! token, and no chain vanished unless a command that ends chains ran on its name. After every
//! round: the moves that were stopped are finished by the commands the copies' messages name,
//! every chain left has exactly one owner, and that owner refreshes (an expired token, then a
//! `token` whose answer works at X) unless a `revoke` on its name ended it at X.
//!
//! Each login is answered as another account of the emulator, so a profile's account names its
//! chain: a chain that `login --force` replaced starts anew under a new account, and two owners
//! of one name are fine when they hold different chains.
//!
//! Every command reaches X through a proxy of its own that notes each token X hands out and to
//! which command: a process killed after X rotated its refresh token and before it saved the
//! new one loses the chain (no program can close that window: the new token exists only in the
//! killed process). Such a chain is told apart exactly (the new token went to a killed command
//! and no copy ever held it), counted, and retired (its copies deleted, as a person would log in
//! again); a replay of its old token is counted as such. Any other replay, or an owner holding a
//! rotated-out token, fails the test.
//!
//! The schedule (commands, places, kill moments) comes from a seed: `XCONNECT_CHAOS_SEED`
//! (decimal or 0x-hex) replays one; a failure prints the seed and what ran
//! (`XCONNECT_CHAOS_LOG=FILE` writes all of it to FILE after a run that passed).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use common::cli::{World, ID, RUN_LIMIT};
use common::machines::{pg_store, works, Machine};
use common::pg::PgServer;
use xconnect::profile::{LoadError, MoveState, MovedTo, Profile};
use xconnect::sandbox::{api::Endpoint, SandboxUser};
use xconnect::store::file::{Purpose, Store};
use xconnect::store::{PgStore, StoreError, Update};

const DEFAULT_SEED: u64 = 0x0c4a_0517;
const ROUNDS: usize = 25;
const WAVES: usize = 4;
const NAMES: [&str; 2] = ["work", "home"];
/// A command with a kill moment is killed at a random fraction (in per cent) of the time that
/// kind of command took when it ran to its end (the median so far), if it still runs then.
const KILL_PERCENT: std::ops::RangeInclusive<u64> = 20..=110;
/// The whole test fails past this (it takes far less).
const TIME_LIMIT: Duration = Duration::from_secs(110);

fn seed() -> u64 {
    match std::env::var("XCONNECT_CHAOS_SEED") {
        Ok(s) if !s.trim().is_empty() => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("XCONNECT_CHAOS_SEED={s:?}: {e}"))
        }
        _ => DEFAULT_SEED,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    File(usize),
    Row,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::File(0) => f.write_str("A's file"),
            Place::File(_) => f.write_str("B's file"),
            Place::Row => f.write_str("the row"),
        }
    }
}

const PLACES: [Place; 3] = [Place::File(0), Place::File(1), Place::Row];

/// One copy of a profile, as the next command would see it.
#[derive(Debug, Clone)]
enum Copy {
    Absent,
    Unreadable(String),
    Read(Box<Profile>),
}

impl Copy {
    fn profile(&self) -> Option<&Profile> {
        match self {
            Copy::Read(p) => Some(p),
            _ => None,
        }
    }

    fn owner(&self) -> Option<&Profile> {
        self.profile().filter(|p| p.is_owner())
    }

    fn describe(&self) -> String {
        match self {
            Copy::Absent => "-".into(),
            Copy::Unreadable(e) => format!("unreadable ({e})"),
            Copy::Read(p) => {
                let mut s = chain(p);
                match &p.moved {
                    None => s.push_str(" owner"),
                    Some(m) => s.push_str(&format!(" [moved {:?} {:?}]", m.to, m.state)),
                }
                match refresh_of(p) {
                    None => s.push_str(" no-token"),
                    Some(r) => s.push_str(&format!(" rt {}", short(r))),
                }
                if p.status.as_ref().is_some_and(|s| s.needs_reauth) {
                    s.push_str(" needs-reauth");
                }
                s
            }
        }
    }
}

/// A token as the log shows it: a hash, never the token.
fn short(token: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The chain a copy belongs to: each login is answered as its own account.
fn chain(p: &Profile) -> String {
    p.account
        .as_ref()
        .map(|a| a.username.clone())
        .expect("every chaos login proves its account (users/me is not rate limited here)")
}

fn refresh_of(p: &Profile) -> Option<&str> {
    p.token.as_ref().and_then(|t| t.refresh_token.as_deref())
}

type State = BTreeMap<(&'static str, Place), Copy>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Token,
    Refresh,
    Api,
    Login,
    Remove,
    Revoke,
    Push,
    Pull,
}

impl Kind {
    /// Commands that may end a chain on purpose.
    fn ends_chains(self) -> bool {
        matches!(self, Kind::Login | Kind::Remove | Kind::Revoke)
    }
}

#[derive(Debug, Clone)]
struct Step {
    kind: Kind,
    name: &'static str,
    machine: usize,
    store: bool,
    /// `--force` (recovery only, when the message says so).
    force: bool,
    kill: Option<Duration>,
}

impl Step {
    fn plain(kind: Kind, name: &'static str, machine: usize, store: bool) -> Step {
        Step {
            kind,
            name,
            machine,
            store,
            force: false,
            kill: None,
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {:?} {}{}{}",
            ["A", "B"][self.machine],
            self.kind,
            self.name,
            if self.force { " --force" } else { "" },
            if self.store { " (store)" } else { "" },
        )?;
        if let Some(k) = self.kill {
            write!(f, " kill@{}ms", k.as_millis())?;
        }
        Ok(())
    }
}

struct Outcome {
    id: usize,
    /// `None`: killed before it ended.
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// The chain a login was answered as (saved or not).
    chain: Option<String>,
    took: Duration,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} ", self.id)?;
        match self.code {
            None => f.write_str("killed")?,
            Some(c) => write!(f, "exit {c}")?,
        }
        write!(f, " after {}ms", self.took.as_millis())?;
        if let Some(c) = &self.chain {
            write!(f, " (login as {c})")?;
        }
        let said: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("http") && !l.starts_with("Open "))
            .collect();
        if !said.is_empty() {
            let said: String = said.join(" | ").chars().take(300).collect();
            write!(f, ": {said}")?;
        }
        Ok(())
    }
}

/// What the proxies saw of X's tokens.
#[derive(Default)]
struct Ledger {
    /// The chain each login was answered as, by command.
    step_chain: HashMap<usize, String>,
    /// Every refresh token X handed out: its chain and the command it went to.
    issued: HashMap<String, (String, usize)>,
    /// Rotations: a refresh token X rotated out, and the one it answered with.
    next: HashMap<String, String>,
    /// Refreshes that sent a rotated-out refresh token, and by which command.
    replays: Vec<(String, usize)>,
}

impl Ledger {
    /// The newest token of the chain `token` is in.
    fn leaf<'a>(&'a self, mut token: &'a str) -> &'a str {
        while let Some(n) = self.next.get(token) {
            token = n;
        }
        token
    }

    /// Notes a token request and X's answer.
    fn note(&mut self, step: usize, form: &[(String, String)], answer: &[u8]) {
        let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let grant = field("grant_type");
        let (head, body) = match answer.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(at) => (&answer[..at], &answer[at + 4..]),
            None => return,
        };
        let ok = head.starts_with(b"HTTP/1.1 200");
        let new = ok
            .then(|| serde_json::from_slice::<serde_json::Value>(body).ok())
            .flatten()
            .and_then(|v| v["refresh_token"].as_str().map(String::from));
        match (grant.as_deref(), new) {
            (Some("authorization_code"), Some(new)) => {
                let chain = self
                    .step_chain
                    .get(&step)
                    .cloned()
                    .unwrap_or_else(|| format!("unknown login #{step}"));
                self.issued.insert(new, (chain, step));
            }
            (Some("refresh_token"), Some(new)) => {
                let old = field("refresh_token").unwrap_or_default();
                let chain = self
                    .issued
                    .get(&old)
                    .map(|(c, _)| c.clone())
                    .unwrap_or_else(|| "unknown".into());
                self.issued.insert(new.clone(), (chain, step));
                self.next.insert(old, new);
            }
            (Some("refresh_token"), None) => {
                let old = field("refresh_token").unwrap_or_default();
                if self.next.contains_key(&old) {
                    self.replays.push((old, step));
                }
            }
            _ => {}
        }
    }
}

/// A door to X for one command: forwards each request to the emulator, notes token answers.
struct Proxy {
    base: String,
    accept: JoinHandle<()>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

async fn forward(
    mut inbound: TcpStream,
    upstream: SocketAddr,
    ledger: Arc<Mutex<Ledger>>,
    step: usize,
) {
    let limits = common::wire::Limits::default();
    let Ok(req) = common::wire::read_request(&mut inbound, &limits).await else {
        return;
    };
    let mut raw = format!("{} {} HTTP/1.1\r\n", req.method, req.target).into_bytes();
    for (n, v) in &req.headers {
        raw.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(&req.body);
    let Ok(mut up) = TcpStream::connect(upstream).await else {
        return;
    };
    if up.write_all(&raw).await.is_err() {
        return;
    }
    let mut answer = Vec::new();
    let _ = up.read_to_end(&mut answer).await;
    if req.path() == xconnect::sandbox::TOKEN_PATH {
        ledger
            .lock()
            .expect("ledger")
            .note(step, &req.form(), &answer);
    }
    let _ = inbound.write_all(&answer).await;
    let _ = inbound.shutdown().await;
}

/// What can have ended on purpose: chains that a `revoke` may have ended at X, and chains
/// that `remove`, `login --force`, a revoke, a `--force` asked for by a message, or a lost
/// refresh token may have removed or replaced.
#[derive(Default)]
struct Ended {
    revocable: BTreeSet<String>,
    endable: BTreeSet<String>,
}

#[derive(Default)]
struct Figures {
    runs: usize,
    with_kill: usize,
    killed: usize,
    recoveries: usize,
    forced: usize,
    proofs: usize,
    lost: usize,
}

struct Chaos {
    w: World,
    url: String,
    machines: [Machine; 2],
    pg: Mutex<PgStore>,
    ledger: Arc<Mutex<Ledger>>,
    next_step: AtomicUsize,
    killed: Mutex<HashSet<usize>>,
    /// Refresh tokens seen in a copy at some check.
    held: HashSet<String>,
    /// How long the commands that did their work took, by kind.
    took: Mutex<HashMap<Kind, Vec<Duration>>>,
    /// Chains whose newest refresh token a kill lost.
    lost_chains: BTreeSet<String>,
    /// Logins answered so far: the next account's number.
    accounts: Mutex<u64>,
    log: Mutex<Vec<String>>,
    seed: u64,
    ended: Ended,
    figures: Figures,
}

/// Prints the seed and the last of what ran when the test fails.
struct OnFailure<'a>(&'a Chaos);

impl Drop for OnFailure<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = self.0.log.lock().unwrap_or_else(|e| e.into_inner());
            let from = log.len().saturating_sub(150);
            eprintln!("---- chaos: the last of what ran ----");
            for line in &log[from..] {
                eprintln!("{line}");
            }
            eprintln!(
                "---- chaos failed with seed {:#x}; replay it with XCONNECT_CHAOS_SEED={:#x} cargo test --test chaos ----",
                self.0.seed, self.0.seed
            );
        }
    }
}

impl Chaos {
    fn new(seed: u64) -> Chaos {
        let w = World::new();
        // Chains are told apart by account, each proved by users/me at login.
        w.sandbox.set_rate_limit(Endpoint::UsersMe, 1_000_000);
        let url = PgServer::shared().fresh_url();
        let pg = Mutex::new(pg_store(&w, &url));
        Chaos {
            w,
            url,
            machines: [Machine::new(), Machine::new()],
            pg,
            ledger: Arc::default(),
            next_step: AtomicUsize::new(1),
            killed: Mutex::default(),
            held: HashSet::new(),
            lost_chains: BTreeSet::new(),
            took: Mutex::default(),
            accounts: Mutex::new(1),
            log: Mutex::default(),
            seed,
            ended: Ended::default(),
            figures: Figures::default(),
        }
    }

    fn note(&self, line: String) {
        self.log.lock().expect("log").push(line);
    }

    fn files(&self, m: usize) -> Store {
        Store::at(self.machines[m].dir.path().to_path_buf())
            .quiet()
            .with_lock_wait(Duration::from_secs(10))
    }

    /// A file as the next command sees it: read under its lock, which first promotes a
    /// complete save that a killed process left.
    fn read_file(&self, m: usize, name: &str) -> Copy {
        let mut lock = self.files(m).lock(name, Purpose::Save).expect("lock");
        match lock.load() {
            Ok(l) => Copy::Read(Box::new(l.profile)),
            Err(LoadError::NotFound { .. }) => Copy::Absent,
            Err(e) => Copy::Unreadable(e.to_string()),
        }
    }

    fn read_row(&self, name: &str) -> Copy {
        let pg = self.pg.lock().expect("pg");
        match self.w.rt.block_on(pg.load(name)) {
            Ok(s) => Copy::Read(Box::new(s.profile)),
            Err(StoreError::NotFound { .. }) => Copy::Absent,
            Err(e @ StoreError::BadProfile { .. }) => Copy::Unreadable(e.to_string()),
            Err(e) => panic!("the store: {e}"),
        }
    }

    fn read(&self, place: Place, name: &str) -> Copy {
        match place {
            Place::File(m) => self.read_file(m, name),
            Place::Row => self.read_row(name),
        }
    }

    /// Every copy of every profile.
    fn state(&self) -> State {
        let mut all = BTreeMap::new();
        for name in NAMES {
            for place in PLACES {
                all.insert((name, place), self.read(place, name));
            }
        }
        all
    }

    fn note_state(&self, when: &str, state: &State) {
        for ((name, place), copy) in state {
            if !matches!(copy, Copy::Absent) {
                self.note(format!("  {when}: {name} in {place}: {}", copy.describe()));
            }
        }
    }

    /// Makes a copy's access token look expired, as time passing would: under the file's
    /// lock, or in the row's transaction (no new generation).
    fn expire(&self, place: Place, name: &str) {
        let old = time::macros::datetime!(2020-01-01 00:00 UTC);
        match place {
            Place::File(m) => {
                let mut lock = self.files(m).lock(name, Purpose::Save).expect("lock");
                if let Ok(l) = lock.load() {
                    let mut p = l.profile;
                    if let Some(t) = p.token.as_mut() {
                        t.expires_at = old;
                        lock.save(&p).expect("expire the file");
                    }
                }
            }
            Place::Row => {
                let mut pg = self.pg.lock().expect("pg");
                let done =
                    self.w
                        .rt
                        .block_on(pg.update_locked::<(), _, _>(name, |cur, _| async move {
                            let mut p = cur.profile;
                            match p.token.as_mut() {
                                Some(t) => {
                                    t.expires_at = old;
                                    Update::Write(p)
                                }
                                None => Update::Keep,
                            }
                        }));
                match done {
                    Ok(r) => {
                        r.expect("expire the row");
                    }
                    Err(StoreError::NotFound { .. } | StoreError::BadProfile { .. }) => {}
                    Err(e) => panic!("expire the row: {e}"),
                }
            }
        }
    }

    /// Deletes every copy of a chain (a person logging in again after losing it).
    fn retire(&self, c: &str) {
        for name in NAMES {
            for m in 0..2 {
                let mut lock = self.files(m).lock(name, Purpose::Remove).expect("lock");
                if lock.load().is_ok_and(|l| chain(&l.profile) == c) {
                    lock.remove().expect("remove");
                }
            }
            let mut pg = self.pg.lock().expect("pg");
            let c = c.to_string();
            let done =
                self.w
                    .rt
                    .block_on(pg.update_locked::<(), _, _>(name, |cur, _| async move {
                        if chain(&cur.profile) == c {
                            Update::Remove
                        } else {
                            Update::Keep
                        }
                    }));
            match done {
                Ok(r) => {
                    r.expect("retire the row");
                }
                Err(StoreError::NotFound { .. }) => {}
                Err(e) => panic!("retire the row: {e}"),
            }
        }
    }

    fn proxy(&self, step: usize) -> Proxy {
        let listener = self
            .w
            .rt
            .block_on(TcpListener::bind("127.0.0.1:0"))
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let upstream = self.w.sandbox.local_addr();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (ledger, list) = (Arc::clone(&self.ledger), Arc::clone(&conns));
        let accept = self.w.rt.spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let ledger = Arc::clone(&ledger);
                let task = tokio::spawn(forward(inbound, upstream, ledger, step));
                list.lock().expect("conns").push(task);
            }
        });
        Proxy {
            base,
            accept,
            conns,
        }
    }

    /// Stops a command's proxy once its process has ended: every request it forwarded has
    /// been answered by X and noted.
    fn close(&self, proxy: Proxy) {
        proxy.accept.abort();
        self.w.rt.block_on(async {
            // Once the accepting task has stopped, every connection it took is in the list.
            let _ = proxy.accept.await;
            let tasks: Vec<_> = std::mem::take(&mut *proxy.conns.lock().expect("conns"));
            for t in tasks {
                let _ = tokio::time::timeout(Duration::from_secs(20), t).await;
            }
        });
    }

    fn command(&self, step: &Step, api: &str) -> Command {
        let m = &self.machines[step.machine];
        let mut c = Command::new(env!("CARGO_BIN_EXE_xconnect"));
        let name = step.name;
        match step.kind {
            Kind::Token => c.args(["token", name]),
            Kind::Refresh => c.args(["refresh", name]),
            Kind::Api => c.args(["api", "/2/users/me", "--profile", name]),
            Kind::Login => c
                .args([
                    "login",
                    "--no-tui",
                    "--auth-base",
                    &self.w.sandbox.base_url(),
                ])
                .args(["--client-id", ID, "--profile", name, "--force"]),
            Kind::Remove => c.args(["remove", name, "--yes"]),
            Kind::Revoke => c.args(["revoke", name]),
            Kind::Push => c.args(["store", "push", name]),
            Kind::Pull => c.args(["store", "pull", name]),
        };
        if step.force {
            c.arg("--force");
        }
        c.arg("--config-dir")
            .arg(m.dir.path())
            // Every command reaches X through its own proxy (the profile's own api_base is
            // a login's proxy, long closed).
            .env("XCONNECT_API_BASE", api)
            .env_remove("XCONNECT_AUTH_BASE")
            .env_remove("XCONNECT_CONFIG_DIR")
            .env_remove("XCONNECT_CLIENT_SECRET")
            .env_remove("XCONNECT_TIMEOUT")
            .env_remove("PGPASSWORD")
            .stdin(if step.kind == Kind::Login {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if step.store {
            c.env("XCONNECT_STORE", &self.url);
        } else {
            c.env_remove("XCONNECT_STORE");
        }
        c
    }

    /// Answers a login's link as a new account; returns that account (the chain) and the
    /// address X redirects to.
    fn answer(&self, id: usize, link: &str) -> Option<(String, String)> {
        let mut next = self.accounts.lock().expect("accounts");
        let n = *next;
        *next += 1;
        let username = format!("chain{n}");
        self.w.sandbox.set_user(SandboxUser {
            id: format!("{}", 1_700_000_000_000_000_000u64 + n),
            username: username.clone(),
            name: format!("Chain {n}"),
        });
        let redirect = self.w.rt.block_on(self.w.sandbox.approve(link)).ok()?;
        self.ledger
            .lock()
            .expect("ledger")
            .step_chain
            .insert(id, username.clone());
        Some((username, redirect))
    }

    /// Runs one command to its end, or kills it (SIGKILL) at its kill moment if it still runs
    /// then; a login's link is answered as it comes.
    fn run(&self, step: &Step) -> Outcome {
        let id = self.next_step.fetch_add(1, Ordering::SeqCst);
        let proxy = self.proxy(id);
        let mut child = self
            .command(step, &proxy.base)
            .spawn()
            .expect("spawn xconnect");
        let started = Instant::now();
        let stdout = drain(child.stdout.take());
        let stdin = child.stdin.take();
        let stderr = child.stderr.take().expect("stderr");
        let outcome = std::thread::scope(|s| {
            let talk = s.spawn(move || {
                let mut stdin = stdin;
                let mut chain = None;
                let mut text = String::new();
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if stdin.is_some() && line.starts_with("http") {
                        let mut input = stdin.take().expect("stdin");
                        if let Some((account, redirect)) = self.answer(id, line.trim()) {
                            chain = Some(account);
                            let _ = writeln!(input, "{redirect}");
                            let _ = input.flush();
                        }
                    }
                    text.push_str(&line);
                    text.push('\n');
                }
                (text, chain)
            });
            let status = wait_or_kill(&mut child, started, step.kill);
            let took = started.elapsed();
            let (stderr, chain) = talk.join().expect("stderr");
            Outcome {
                id,
                code: status.map(|s| s.code().unwrap_or(-1)),
                stdout: stdout.join().expect("stdout"),
                stderr,
                chain,
                took,
            }
        });
        self.close(proxy);
        match outcome.code {
            None => {
                self.killed.lock().expect("killed").insert(id);
            }
            Some(0) => {
                let mut took = self.took.lock().expect("took");
                took.entry(step.kind).or_default().push(outcome.took);
            }
            Some(_) => {}
        }
        outcome
    }

    /// Runs `steps` at once; notes each with what it did.
    fn run_all(&mut self, steps: &[Step]) -> Vec<Outcome> {
        let chaos = &*self;
        let outcomes: Vec<Outcome> = std::thread::scope(|s| {
            let running: Vec<_> = steps
                .iter()
                .map(|step| s.spawn(move || chaos.run(step)))
                .collect();
            running
                .into_iter()
                .map(|h| h.join().expect("run"))
                .collect()
        });
        for (step, out) in steps.iter().zip(&outcomes) {
            self.note(format!("  {step} -> {out}"));
            self.figures.runs += 1;
            if step.kill.is_some() {
                self.figures.with_kill += 1;
            }
            if out.code.is_none() {
                self.figures.killed += 1;
            }
        }
        outcomes
    }

    fn run_one(&mut self, step: Step) -> Outcome {
        self.run_all(std::slice::from_ref(&step))
            .pop()
            .expect("outcome")
    }

    /// Whether the newest token of a chain was lost: X handed it to a command that was killed,
    /// and no copy ever held it.
    fn lost(&self, ledger: &Ledger, leaf: &str) -> bool {
        let killed = self.killed.lock().expect("killed");
        ledger
            .issued
            .get(leaf)
            .is_some_and(|(_, step)| killed.contains(step))
            && !self.held.contains(leaf)
    }

    /// The checks that hold at any moment: no chain with two owners; no owner holding a
    /// rotated-out refresh token; no replay at X. A chain whose newest token a kill lost is
    /// retired.
    fn audit(&mut self, when: &str, state: &State) {
        for copy in state.values() {
            if let Some(r) = copy.profile().and_then(refresh_of) {
                self.held.insert(r.to_string());
            }
        }
        let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ((name, place), copy) in state {
            if let Some(p) = copy.owner() {
                owners
                    .entry(chain(p))
                    .or_default()
                    .push(format!("{name} in {place}"));
            }
        }
        for (c, places) in &owners {
            assert!(
                places.len() <= 1,
                "{when}: chain {c} has {} owners: {places:?}",
                places.len()
            );
        }
        let ledger = Arc::clone(&self.ledger);
        let ledger = ledger.lock().expect("ledger");
        // Chains whose newest refresh token was lost, and the command X gave it to.
        let mut lost = BTreeMap::new();
        let given = |leaf: &str| ledger.issued.get(leaf).map_or(0, |(_, s)| *s);
        for ((name, place), copy) in state {
            let Some(p) = copy.profile() else { continue };
            let Some(r) = refresh_of(p) else { continue };
            let leaf = ledger.leaf(r);
            if leaf == r {
                continue;
            }
            if self.lost(&ledger, leaf) {
                lost.insert(chain(p), given(leaf));
                continue;
            }
            // A copy that is not the owner may hold an old token (it never refreshes).
            assert!(
                !p.is_owner(),
                "{when}: {name} in {place}, the owner of chain {}, holds refresh token {} that X rotated out; the chain's newest is {} (given to command #{})",
                chain(p),
                short(r),
                short(leaf),
                given(leaf)
            );
        }
        let stats = self.w.sandbox.stats();
        assert_eq!(
            stats.replays,
            ledger.replays.len() as u64,
            "{when}: every refresh goes through a proxy"
        );
        for (token, step) in &ledger.replays {
            let leaf = ledger.leaf(token);
            assert!(
                self.lost(&ledger, leaf),
                "{when}: command #{step} sent X the rotated-out refresh token {} of chain {} (a broken chain); its newest is {}",
                short(token),
                ledger.issued.get(token.as_str()).map_or("?", |(c, _)| c.as_str()),
                short(leaf)
            );
            if let Some((c, _)) = ledger.issued.get(token.as_str()) {
                lost.insert(c.clone(), given(leaf));
            }
        }
        drop(ledger);
        for (c, step) in lost {
            if self.lost_chains.insert(c.clone()) {
                self.ended.endable.insert(c.clone());
                self.figures.lost += 1;
                self.note(format!(
                    "  {when}: chain {c} lost its newest refresh token: X gave it to command #{step}, killed before any copy held it; retired"
                ));
                self.retire(&c);
            }
        }
    }

    /// A command on a random profile; most of the time where a copy of it is (a command on
    /// nothing says so and ends), else anywhere; most with a random kill moment.
    fn random_step(&self, rng: &mut StdRng, state: &State) -> Step {
        let kind = match rng.gen_range(0..100) {
            0..=15 => Kind::Token,
            16..=25 => Kind::Refresh,
            26..=35 => Kind::Api,
            36..=42 => Kind::Login,
            43..=48 => Kind::Remove,
            49..=53 => Kind::Revoke,
            54..=76 => Kind::Push,
            _ => Kind::Pull,
        };
        let name = NAMES[rng.gen_range(0..NAMES.len())];
        let copies: Vec<Place> = PLACES
            .into_iter()
            .filter(|p| !matches!(state.get(&(name, *p)), Some(Copy::Absent) | None))
            .filter(|p| match kind {
                Kind::Push => matches!(p, Place::File(_)),
                Kind::Pull => *p == Place::Row,
                _ => true,
            })
            .collect();
        let (machine, store) = match copies.len() {
            n if n > 0 && rng.gen_bool(0.8) => match copies[rng.gen_range(0..n)] {
                Place::File(m) => (m, false),
                Place::Row => (rng.gen_range(0..2), true),
            },
            _ => (rng.gen_range(0..2), rng.gen_bool(0.5)),
        };
        let store = store || matches!(kind, Kind::Push | Kind::Pull);
        let kill = rng
            .gen_bool(0.6)
            .then(|| self.typical(kind) * rng.gen_range(KILL_PERCENT) as u32 / 100);
        Step {
            kind,
            name,
            machine,
            store,
            force: false,
            kill,
        }
    }

    /// How long a command of this kind takes when it does its work (the median of those that
    /// ended with exit 0).
    fn typical(&self, kind: Kind) -> Duration {
        let took = self.took.lock().expect("took");
        let mut seen = took.get(&kind).cloned().unwrap_or_default();
        seen.sort();
        seen.get(seen.len() / 2)
            .copied()
            .unwrap_or(Duration::from_millis(30))
    }

    /// Chains with a copy somewhere.
    fn present(state: &State) -> BTreeSet<String> {
        state
            .values()
            .filter_map(Copy::profile)
            .map(chain)
            .collect()
    }

    /// One wave: tokens expired here and there, then a few commands at once, some killed;
    /// then the checks that hold at any moment.
    fn wave(&mut self, rng: &mut StdRng, round: usize, wave: usize) {
        for name in NAMES {
            for place in PLACES {
                if rng.gen_bool(0.6) {
                    self.expire(place, name);
                }
            }
        }
        let before = self.state();
        let count = rng.gen_range(2..=5);
        let steps: Vec<Step> = (0..count).map(|_| self.random_step(rng, &before)).collect();
        self.note(format!("round {round} wave {wave}:"));
        let outcomes = self.run_all(&steps);
        // What these commands may have ended on purpose.
        for name in NAMES {
            let ran: Vec<&Step> = steps.iter().filter(|s| s.name == name).collect();
            if !ran.iter().any(|s| s.kind.ends_chains()) {
                continue;
            }
            let mut chains: BTreeSet<String> = PLACES
                .iter()
                .filter_map(|p| before.get(&(name, *p)).and_then(Copy::profile).map(chain))
                .collect();
            chains.extend(
                steps
                    .iter()
                    .zip(&outcomes)
                    .filter(|(s, _)| s.name == name)
                    .filter_map(|(_, o)| o.chain.clone()),
            );
            if ran.iter().any(|s| s.kind == Kind::Revoke) {
                self.ended.revocable.extend(chains.iter().cloned());
            }
            self.ended.endable.extend(chains);
        }
        let after = self.state();
        self.note_state("after", &after);
        let when = format!("round {round} wave {wave}");
        self.audit(&when, &after);
        let now = Self::present(&self.state());
        for c in Self::present(&before) {
            assert!(
                now.contains(&c) || self.ended.endable.contains(&c),
                "{when}: chain {c} vanished, though nothing that ends a chain ran on its name"
            );
        }
    }

    /// Which machine a `[moved]` place (`host:/path/profiles/NAME.toml`) names.
    fn machine_of(&self, place: &str) -> usize {
        (0..2)
            .find(|&m| {
                let dir = self.machines[m].dir.path();
                let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
                place.contains(&format!("{}/", dir.display()))
            })
            .unwrap_or_else(|| panic!("the moved place {place:?} names neither machine"))
    }

    /// Finishes every move that was stopped, as the copies' messages say: the same push or
    /// pull again, on the machine they name; then, when that run leaves the copy moving and
    /// says `--force`, with `--force` (ending the chain in the way, as asked).
    fn recover(&mut self, round: usize) {
        for pass in 0.. {
            let state = self.state();
            let mut moving = Vec::new();
            for ((name, place), copy) in &state {
                let Some(m) = copy.profile().and_then(|p| p.moved.as_ref()) else {
                    continue;
                };
                assert_eq!(m.state, MoveState::Moving, "no pull --keep ran");
                let step = match (place, m.to) {
                    (Place::File(machine), MovedTo::Store) => (Kind::Push, *machine),
                    (Place::Row, MovedTo::File) => (Kind::Pull, self.machine_of(&m.place)),
                    (place, to) => panic!("{name} in {place} is moved to {to:?}"),
                };
                moving.push((*name, *place, step));
            }
            if moving.is_empty() {
                return;
            }
            assert!(
                pass < 3,
                "round {round}: the moves do not finish: {moving:?}"
            );
            self.note(format!("round {round} finishing the moves:"));
            for (name, place, (kind, machine)) in moving {
                let step = Step::plain(kind, name, machine, true);
                self.figures.recoveries += 1;
                let out = self.run_one(step.clone());
                if out.code == Some(0) {
                    continue;
                }
                // Finished by a move run for another copy before it (a pull that took the row
                // a push wrote), or given up with the copy left as it was (a push refused by
                // another chain in the store).
                if self
                    .read(place, name)
                    .profile()
                    .is_none_or(|p| p.moved.is_none())
                {
                    continue;
                }
                assert!(
                    out.stderr.contains("--force"),
                    "round {round}: {step} did not finish the move, nor say how: {out}"
                );
                self.figures.forced += 1;
                // The chain in the way is replaced, as the message asks.
                let chains: Vec<String> = PLACES
                    .iter()
                    .filter_map(|p| self.read(*p, name).profile().map(chain))
                    .collect();
                self.ended.endable.extend(chains);
                let forced = self.run_one(Step {
                    force: true,
                    ..step.clone()
                });
                assert_eq!(
                    forced.code,
                    Some(0),
                    "round {round}: {step} --force, as its message said, did not finish the move: {forced}"
                );
            }
        }
    }

    /// The end of a round: every stopped move finished, every chain left with exactly one
    /// owner, and every owner of a live chain refreshes.
    fn settle(&mut self, rng: &mut StdRng, round: usize) {
        let had = Self::present(&self.state());
        self.recover(round);
        let state = self.state();
        self.note_state("settled", &state);
        let when = format!("round {round}, moves finished");
        self.audit(&when, &state);
        let state = self.state();
        let owned: BTreeSet<String> = state.values().filter_map(Copy::owner).map(chain).collect();
        for c in &had {
            assert!(
                owned.contains(c) || self.ended.endable.contains(c),
                "{when}: chain {c} has no owner, though nothing that ends a chain ran on its name"
            );
        }
        for ((name, place), copy) in &state {
            assert!(
                copy.profile().is_none_or(|p| p.moved.is_none()),
                "{when}: {name} in {place} is still moving"
            );
            let Some(p) = copy.owner() else { continue };
            let Some(t) = &p.token else { continue };
            let c = chain(p);
            let dead = p.status.as_ref().is_some_and(|s| s.needs_reauth)
                || !works(&self.w, &t.access_token);
            if dead {
                assert!(
                    self.ended.revocable.contains(&c),
                    "{when}: chain {c} ({name} in {place}) no longer works at X, and no revoke ran on it"
                );
                continue;
            }
            // The owner refreshes: an expired token, then `token`.
            self.expire(*place, name);
            let (machine, store) = match place {
                Place::File(m) => (*m, false),
                Place::Row => (rng.gen_range(0..2), true),
            };
            let out = self.run_one(Step::plain(Kind::Token, name, machine, store));
            self.figures.proofs += 1;
            assert_eq!(
                out.code,
                Some(0),
                "{when}: the owner of chain {c} ({name} in {place}) did not refresh: {out}"
            );
            let printed = out.stdout.trim();
            assert!(
                works(&self.w, printed),
                "{when}: the token of chain {c} ({name} in {place}) does not work at X"
            );
            let again = self.read(*place, name);
            assert!(
                again
                    .owner()
                    .and_then(|p| p.token.as_ref())
                    .is_some_and(|t| t.access_token == printed),
                "{when}: {name} in {place} does not hold the token it printed"
            );
        }
        let state = self.state();
        self.audit(&format!("round {round}, owners refreshed"), &state);
    }

    /// Each profile has a live chain somewhere when a round starts (a login, not killed).
    fn populate(&mut self, rng: &mut StdRng, round: usize) {
        let state = self.state();
        for name in NAMES {
            let live = PLACES.iter().any(|p| {
                state
                    .get(&(name, *p))
                    .and_then(Copy::owner)
                    .is_some_and(|p| p.token.is_some() && p.status.is_none())
            });
            if live {
                continue;
            }
            self.note(format!("round {round} login:"));
            let step = Step::plain(Kind::Login, name, rng.gen_range(0..2), rng.gen_bool(0.5));
            let out = self.run_one(step.clone());
            assert_eq!(out.code, Some(0), "{step}: {out}");
        }
    }
}

fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_string(&mut text);
        }
        text
    })
}

/// Waits for the child; at `kill` after `started`, kills it (SIGKILL) if it still runs and
/// returns `None`. Past [`RUN_LIMIT`] kills it and fails the test.
fn wait_or_kill(child: &mut Child, started: Instant, kill: Option<Duration>) -> Option<ExitStatus> {
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return Some(status);
        }
        let ran = started.elapsed();
        if kill.is_some_and(|k| ran >= k) {
            child.kill().expect("kill");
            let status = child.wait().expect("wait");
            // It may have ended just before the signal.
            return status.code().map(|_| status);
        }
        if ran >= RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("xconnect did not end within {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn chains_keep_one_owner_through_kills_and_concurrent_moves_on_two_machines() {
    let seed = seed();
    let start = Instant::now();
    let mut chaos = Chaos::new(seed);
    let mut rng = StdRng::seed_from_u64(seed);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for round in 0..ROUNDS {
            chaos.populate(&mut rng, round);
            for wave in 0..WAVES {
                chaos.wave(&mut rng, round, wave);
            }
            chaos.settle(&mut rng, round);
            assert!(
                start.elapsed() < TIME_LIMIT,
                "the chaos test ran past {TIME_LIMIT:?} (round {round})"
            );
        }
    }));
    if let Err(panic) = result {
        let _report = OnFailure(&chaos);
        std::panic::resume_unwind(panic);
    }
    if let Some(path) = std::env::var_os("XCONNECT_CHAOS_LOG") {
        let log = chaos.log.lock().expect("log").join("\n");
        std::fs::write(path, log + "\n").expect("write the chaos log");
    }
    let stats = chaos.w.sandbox.stats();
    let f = &chaos.figures;
    eprintln!(
        "chaos: seed {seed:#x}: {ROUNDS} rounds, {} commands ({} with a kill moment, {} killed before they ended), {} runs finishing moves ({} with --force), {} owners proved, {} refreshes and {} logins at X, {} chains lost to a kill after X rotated their token ({} replays of their old token), in {:.1} s",
        f.runs,
        f.with_kill,
        f.killed,
        f.recoveries,
        f.forced,
        f.proofs,
        stats.refreshes,
        stats.code_exchanges,
        f.lost,
        stats.replays,
        start.elapsed().as_secs_f64()
    );
}
