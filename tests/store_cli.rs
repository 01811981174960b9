//! The real binary with `--store`: several "machines" (config folders that share nothing but
//! the store) against one PostgreSQL and the X emulator, which rejects a replayed refresh token.

mod common;

use std::time::{Duration, Instant};

use common::cli::*;
use common::machines::*;
use common::pg::PgServer;

#[test]
fn with_a_store_profiles_live_only_in_the_database_and_every_command_uses_it() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    let e = login_into_store(&w, &url, "team", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stdout.contains("team in the profile store 127.0.0.1:"),
        "{}",
        e.stdout
    );
    assert!(
        !w.profile("team").exists(),
        "no profile file on the login machine"
    );

    // Another machine, sharing only the store.
    let b = Machine::new();
    let t = b.run(&url, &["token"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert_eq!(
        t.stdout.trim(),
        row(&w, &url, "team").profile.token.expect("t").access_token
    );
    let list = b.run(&url, &["profiles"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("* team"), "{}", list.stdout);
    let show = b.run(&url, &["show", "team"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(
        show.stdout.starts_with("# team in the profile store"),
        "{}",
        show.stdout
    );
    assert!(!show.stdout.contains(t.stdout.trim()), "masked");
    assert_eq!(b.run(&url, &["default", "team"]).code, 0);
    let missing = b.run(&url, &["token", "ghost"]);
    assert_eq!(missing.code, 3, "{}", missing.stderr);
    assert!(b.has_no_profile_files());

    // Logging in again without --force is refused, as with files.
    let again = w.login(
        &["--client-id", ID, "--profile", "team"],
        &[("XCONNECT_STORE", &url)],
    );
    let again = again.end();
    assert_ne!(again.code, 0);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);

    // Revoke, then remove.
    let r = b.run(&url, &["revoke", "team"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(row(&w, &url, "team").profile.token.is_none());
    assert_eq!(w.sandbox.stats().revocations, 2);
    assert_eq!(b.run(&url, &["token", "team"]).code, 4);
    let rm = b.run(&url, &["remove", "team", "--yes"]);
    assert_eq!(rm.code, 0, "{}", rm.stderr);
    assert_eq!(b.run(&url, &["show", "team"]).code, 3);
}

#[test]
fn twenty_four_machines_at_once_refresh_once_and_print_the_same_token() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    let e = login_into_store(&w, &url, "default", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let machines: Vec<Machine> = (0..24).map(|_| Machine::new()).collect();
    for round in 1..=2u64 {
        expire(&w, &url, "default");
        let children: Vec<_> = machines
            .iter()
            .map(|m| m.command(&url, &["token"]).spawn().expect("spawn"))
            .collect();
        let outs: Vec<_> = children
            .into_iter()
            .map(|c| c.wait_with_output().expect("wait"))
            .collect();
        for o in &outs {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let mut printed: Vec<String> = outs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .collect();
        printed.dedup();
        assert_eq!(
            printed.len(),
            1,
            "round {round}: one token for all: {printed:?}"
        );
        assert_eq!(
            w.sandbox.stats().refreshes,
            round,
            "round {round}: one refresh at X"
        );
        assert!(works(&w, &printed[0]));
        assert_eq!(
            row(&w, &url, "default")
                .profile
                .token
                .expect("t")
                .access_token,
            printed[0]
        );
    }
    assert_eq!(
        w.sandbox.stats().token_errors,
        0,
        "no replayed refresh token"
    );
    assert!(machines.iter().all(Machine::has_no_profile_files));
}

#[test]
fn a_login_racing_refreshes_stands_and_its_chain_keeps_working() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    assert_eq!(login_into_store(&w, &url, "p", &[]).code, 0);
    let machines: Vec<Machine> = (0..6).map(|_| Machine::new()).collect();
    for round in 0..3 {
        expire(&w, &url, "p");
        let before = row(&w, &url, "p").generation;
        // The login waits for its redirect while the refreshes start, then lands among them.
        let mut login = w.login(
            &["--client-id", ID, "--profile", "p", "--force"],
            &[("XCONNECT_STORE", &url)],
        );
        let link = login.link();
        let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
        let children: Vec<_> = machines
            .iter()
            .map(|m| m.command(&url, &["token", "p"]).spawn().expect("spawn"))
            .collect();
        login.type_line(&redirect);
        let ended = login.end();
        assert_eq!(ended.code, 0, "round {round}: {}", ended.stderr);
        for c in children {
            let o = c.wait_with_output().expect("wait");
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let now = row(&w, &url, "p");
        assert_eq!(
            now.generation,
            before + 1,
            "round {round}: the login is the row's generation"
        );
        // Whatever order they ran in, the stored chain is alive: a forced refresh works and
        // its token works.
        let b = Machine::new();
        let r = b.run(&url, &["refresh", "p"]);
        assert_eq!(r.code, 0, "round {round}: {}", r.stderr);
        let t = b.run(&url, &["token", "p"]);
        assert!(works(&w, t.stdout.trim()), "round {round}");
    }
    assert_eq!(
        w.sandbox.stats().token_errors,
        0,
        "no refresh token was replayed"
    );
}

#[test]
fn kill_9_of_a_refresh_at_random_moments_leaves_a_readable_unlocked_row() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    assert_eq!(login_into_store(&w, &url, "p", &[]).code, 0);
    let m = Machine::new();
    // How long one whole refresh takes here: the kills are spread over it.
    expire(&w, &url, "p");
    let started = Instant::now();
    assert_eq!(m.run(&url, &["refresh", "p"]).code, 0);
    let whole = started.elapsed().as_micros() as u64;
    let (mut lost, mut before_x, mut after_commit) = (0, 0, 0);
    let rounds = 16u64;
    for round in 0..rounds {
        expire(&w, &url, "p");
        let refreshes_before = w.sandbox.stats().refreshes;
        let revision_before = row(&w, &url, "p").revision;
        let mut child = m.command(&url, &["refresh", "p"]).spawn().expect("spawn");
        // Spread over twice the measured time: a busy machine makes some runs slower.
        std::thread::sleep(Duration::from_micros(2 * whole * round / rounds));
        // SIGKILL: no destructor, no ROLLBACK sent; the server finds the socket closed.
        let _ = child.kill();
        let _ = child.wait();
        let x_answered = w.sandbox.stats().refreshes > refreshes_before;
        let committed = row(&w, &url, "p").revision > revision_before;
        before_x += usize::from(!x_answered);
        after_commit += usize::from(committed);
        // The row is never half-written nor left locked: the next command answers at once.
        let started = Instant::now();
        let next = m.run(&url, &["token", "p"]);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "round {round}: waited on a lock"
        );
        match next.code {
            0 => assert!(works(&w, next.stdout.trim()), "round {round}"),
            // Killed after X rotated the refresh token and before the commit: the chain is
            // lost (the only window: X's answer to the COMMIT) and the row says to log in
            // again, as the file store's would without its crash recovery.
            4 => {
                assert!(x_answered && !committed, "round {round}: {}", next.stderr);
                lost += 1;
                assert_eq!(login_into_store(&w, &url, "p", &["--force"]).code, 0);
            }
            code => panic!("round {round}: exit {code}: {}", next.stderr),
        }
    }
    eprintln!(
        "{rounds} kills over {whole} µs: {before_x} before X answered, {after_commit} after the commit, {lost} in between"
    );
    // The kills did land at different moments, and the window between them is small.
    assert!(
        before_x > 0 && after_commit > 0,
        "{before_x} {after_commit}"
    );
    assert!(
        lost <= rounds / 3,
        "{lost} of {rounds} kills lost the chain"
    );
}

#[test]
fn store_push_moves_a_file_in_and_pull_moves_it_back() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    w.logged_in("work");
    let file_token = w.read("work")["token"]["access_token"]
        .as_str()
        .expect("token")
        .to_string();

    // Without a store, the store commands say what they need.
    let e = w.run(&["store", "status"]);
    assert_eq!(e.code, 2, "{}", e.stderr);
    assert!(e.stderr.contains("XCONNECT_STORE"), "{}", e.stderr);

    let push = w.run_env(&["store", "push", "work"], &[("XCONNECT_STORE", &url)]);
    assert_eq!(push.code, 0, "{}", push.stderr);
    assert!(
        !w.profile("work").exists(),
        "the file is gone: it can never refresh"
    );
    assert_eq!(
        row(&w, &url, "work").profile.token.expect("t").access_token,
        file_token
    );
    // Without the store, this machine has no such profile any more.
    assert_eq!(w.run(&["token", "work"]).code, 3);
    let status = w.run_env(&["store", "status"], &[("XCONNECT_STORE", &url)]);
    assert_eq!(status.code, 0, "{}", status.stderr);
    assert!(
        status.stdout.contains("Schema: version 2"),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("Profiles: 1"), "{}", status.stdout);

    let pull = w.run_env(&["store", "pull", "work"], &[("XCONNECT_STORE", &url)]);
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    assert!(w.profile("work").exists());
    let t = w.run(&["token", "work"]);
    assert_eq!(t.stdout.trim(), file_token, "{}", t.stderr);
    let gone = w.run_env(&["token", "work"], &[("XCONNECT_STORE", &url)]);
    assert_eq!(gone.code, 3, "moved out of the store: {}", gone.stderr);
}

#[test]
fn the_password_never_shows_and_a_dead_store_is_exit_5() {
    let w = World::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let secret = "hunter2-never-printed";
    let url = format!("postgres://app:{secret}@127.0.0.1:{port}/xc?sslmode=disable");
    for args in [
        &["token"][..],
        &["profiles"],
        &["store", "status"],
        &["login", "--no-tui", "--client-id", ID],
    ] {
        let e = w.run_env(args, &[("XCONNECT_STORE", &url)]);
        assert_eq!(e.code, 5, "{args:?}: {}", e.stderr);
        assert!(
            e.stderr.contains(&format!("127.0.0.1:{port}/xc")),
            "{}",
            e.stderr
        );
        assert!(
            !e.stderr.contains(secret) && !e.stdout.contains(secret),
            "{}",
            e.stderr
        );
    }
    let help = w.run_env(&["--help"], &[("XCONNECT_STORE", &url)]);
    assert!(help.stdout.contains("XCONNECT_STORE"), "{}", help.stdout);
    assert!(!help.stdout.contains(secret), "{}", help.stdout);
    let help = w.run_env(&["token", "--help"], &[("XCONNECT_STORE", &url)]);
    assert!(!help.stdout.contains(secret), "{}", help.stdout);
}

/// Passwords made of distinctive three-character pieces joined by every kind of character a
/// password can hold: no piece may show in any output.
const PASSWORDS: &[&str] = &[
    "Qx7Zk9Wv3",
    "Qx7/Zk9?Wv3",
    "Qx7#Zk9@Wv3",
    "Qx7:Zk9:Wv3",
    "Qx7%Zk9%25Wv3",
    "Qx7&Zk9=Wv3+Jq5",
    "Qx7 Zk9 Wv3",
    "Qx7\u{fc}\u{f1}Zk9\u{2713}Wv3",
    "Qx7/?#@:%&=+ \u{fc}Zk9",
];
const PIECES: &[&str] = &["Qx7", "Zk9", "Wv3", "Jq5"];

/// Every byte but the unreserved ones percent-encoded.
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn shows_none(e: &Ended, password: &str, what: &str) {
    for shown in [&e.stdout, &e.stderr] {
        assert!(!shown.contains(password), "{what}: {password:?} in {shown}");
        assert!(
            !shown.contains(&enc(password)),
            "{what}: {password:?} in {shown}"
        );
        for piece in PIECES {
            assert!(
                !shown.contains(piece),
                "{what}: {piece} of {password:?} in {shown}"
            );
        }
    }
}

/// The ways an address can carry `password` for `user` at `host:port/db`.
fn addresses(user: &str, password: &str, port: u16, db: &str) -> Vec<String> {
    let e = enc(password);
    let at = format!("127.0.0.1:{port}/{db}");
    let mut all = vec![
        format!("postgres://{user}:{e}@{at}?sslmode=disable"),
        format!("postgres://{user}@{at}?password={e}&sslmode=disable"),
        format!("postgres://{user}@{at}?sslmode=disable&pass%77ord={e}"),
        format!("postgresql://{user}@{at}?%70assword={e}&sslmode=disable"),
    ];
    if !password.contains('%') {
        all.push(format!("postgres://{user}:{password}@{at}?sslmode=disable"));
    }
    all
}

#[test]
fn a_password_of_any_characters_never_shows_in_status_failures_or_help() {
    use common::pg::ANY_USER;
    let pg = PgServer::shared();
    let db = pg.database();
    pg.psql(
        "postgres",
        &format!("ALTER DATABASE {db} OWNER TO {ANY_USER}"),
    );
    let m = Machine::new();
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    for password in PASSWORDS {
        pg.psql(
            "postgres",
            &format!("ALTER ROLE {ANY_USER} PASSWORD '{password}'"),
        );
        for url in addresses(ANY_USER, password, pg.port, &db) {
            let e = m.run(&url, &["store", "status"]);
            assert_eq!(e.code, 0, "{url}: {}", e.stderr);
            assert!(
                e.stdout.contains(&format!("signed in as {ANY_USER}")) && e.stdout.contains("***"),
                "{url}: {}",
                e.stdout
            );
            shows_none(&e, password, "store status");
        }
        let url = &addresses(ANY_USER, password, pg.port, &db)[0];
        let e = m.run(url, &["profiles"]);
        assert_eq!(e.code, 0, "{url}: {}", e.stderr);
        shows_none(&e, password, "profiles");
        let e = m.run(url, &["--help"]);
        assert!(e.stdout.contains("XCONNECT_STORE"), "{}", e.stdout);
        shows_none(&e, password, "--help");
        // Nothing listens there: try again later (exit 5), naming the store.
        for url in addresses(ANY_USER, password, dead, &db) {
            let e = m.run(&url, &["store", "status"]);
            assert_eq!(e.code, 5, "{url}: {}", e.stderr);
            assert!(
                e.stderr.contains(&format!("127.0.0.1:{dead}/{db}")),
                "{}",
                e.stderr
            );
            shows_none(&e, password, "a store that does not answer");
        }
    }
    // A wrong password: refused (exit 1), neither password shown.
    pg.psql(
        "postgres",
        &format!("ALTER ROLE {ANY_USER} PASSWORD 'Other-0'"),
    );
    for password in PASSWORDS {
        for url in addresses(ANY_USER, password, pg.port, &db) {
            let e = m.run(&url, &["store", "status"]);
            assert_eq!(e.code, 1, "{url}: {}", e.stderr);
            assert!(
                e.stderr.contains("password authentication failed"),
                "{}",
                e.stderr
            );
            shows_none(&e, password, "a wrong password");
        }
    }
}

#[test]
fn the_store_lists_profiles_in_natural_order_as_the_files_do() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    let e = login_into_store(&w, &url, "p2", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let profile = row(&w, &url, "p2").profile;
    let store = pg_store(&w, &url);
    for name in ["p10", "p1", "P3", "p11"] {
        w.rt.block_on(store.save(name, &profile, false))
            .expect("save");
    }
    let list = Machine::new().run(&url, &["profiles"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let names: Vec<&str> = list
        .stdout
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.get(2..)?.split_whitespace().next())
        .collect();
    assert_eq!(names, ["p1", "p2", "P3", "p10", "p11"], "{}", list.stdout);
}

#[test]
fn the_store_s_advice_names_commands_that_work() {
    let w = World::new();
    let pg = PgServer::shared();
    let db = pg.database();
    let url = pg.url(&db);
    let b = Machine::new();
    let e = b.run(&url, &["token"]);
    assert_eq!(e.code, 3, "{}", e.stderr);
    assert!(
        e.stderr.contains("no profiles yet in the profile store")
            && e.stderr.contains("xconnect login --client-id ID")
            && !e.stderr.contains("xconnect default"),
        "{}",
        e.stderr
    );
    let e = login_into_store(&w, &url, "team", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let e = b.run(&url, &["token", "ghost"]);
    assert_eq!(e.code, 3, "{}", e.stderr);
    assert!(
        e.stderr
            .contains("xconnect login --profile ghost --client-id ID")
            && e.stderr.contains("xconnect profiles"),
        "{}",
        e.stderr
    );

    // A row that does not read: a login without --force would meet it again.
    pg.psql(
        &db,
        "UPDATE xconnect_profiles SET profile = 'garbage' WHERE name = 'team'",
    );
    let e = b.run(&url, &["token", "team"]);
    assert_eq!(e.code, 6, "{}", e.stderr);
    assert!(
        e.stderr
            .contains("xconnect login --profile team --client-id ID --force")
            && e.stderr.contains("xconnect remove team --yes"),
        "{}",
        e.stderr
    );
    let e = login_into_store(&w, &url, "team", &["--force"]);
    assert_eq!(e.code, 0, "the advice works: {}", e.stderr);
    assert_eq!(b.run(&url, &["token", "team"]).code, 0);
}

/// `s` as a PostgreSQL escape string (`E'…'`): every character outside printable ASCII as
/// `\UXXXXXXXX`, so the SQL text itself carries nothing hidden.
fn e_string(s: &str) -> String {
    let mut out = String::from("E'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('\'');
    out
}

#[test]
fn rows_are_outside_input_and_never_reach_the_terminal_raw() {
    use common::hostile::*;
    let w = World::new();
    let pg = PgServer::shared();
    let db = pg.database();
    let url = pg.url(&db);
    let e = login_into_store(&w, &url, "team", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let good = pg.psql(
        &db,
        "SELECT profile FROM xconnect_profiles WHERE name = 'team'",
    );
    let mut hostile: toml::Value = toml::from_str(&good).expect("toml");
    hostile["account"]["username"] = toml::Value::String(format!("user{HOSTILE}"));
    hostile["token"]["scope"] = toml::Value::String(format!("tweet.read {HOSTILE}"));
    let hostile = toml::to_string(&hostile).expect("toml");
    let broken = format!("version = 1\n[app\nx = \"{HOSTILE}\"\n");
    // Written by anyone with INSERT on the table: a name that is no profile name (the
    // default one), a valid row whose values are hostile, a row that does not read.
    pg.psql(
        &db,
        &format!(
            "INSERT INTO xconnect_profiles (name, profile, is_default) VALUES ({}, {}, true), \
             ('bidi', {}, false), ('broken', {}, false), ({}, {}, false)",
            e_string(&format!("evil{HOSTILE}")),
            e_string(&good),
            e_string(&hostile),
            e_string(&broken),
            e_string("zw\u{200b}\u{202e}"),
            e_string(&hostile),
        ),
    );
    let b = Machine::new();
    let runs: &[&[&str]] = &[
        &["profiles"],
        &["profiles", "--json"],
        &["show"],
        &["show", "bidi"],
        &["show", "bidi", "--json"],
        &["show", "broken"],
        &["token"],
        &["token", "bidi"],
        &["token", "broken"],
    ];
    let mut ended = Vec::new();
    for args in runs {
        let e = b.run(&url, args);
        assert_no_raw_hidden(&format!("{args:?} on stdout"), &e.stdout);
        assert_no_raw_hidden(&format!("{args:?} on stderr"), &e.stderr);
        ended.push(e);
    }
    // The table: the rows whose names are not profile names are unreadable, names escaped.
    let table = &ended[0].stdout;
    assert_eq!(ended[0].code, 0, "{}", ended[0].stderr);
    for shown in ["evil", "zw\\u{200b}\\u{202e}"] {
        let line = table
            .lines()
            .find(|l| l.contains(shown))
            .unwrap_or_else(|| panic!("no row {shown}:\n{table}"));
        assert!(line.contains("cannot read: "), "{line}");
    }
    assert!(table.contains("evila\\u{1b}]52;c;"), "{table}");
    assert!(table.contains("broken"), "{table}");
    // The JSON: still JSON, the valid row's values whole, the others with their reason.
    let rows: serde_json::Value = serde_json::from_str(&ended[1].stdout).expect("json");
    let rows = rows.as_array().expect("rows");
    let bidi = rows.iter().find(|r| r["name"] == "bidi").expect("bidi");
    assert_eq!(
        bidi["username"].as_str(),
        Some(format!("user{HOSTILE}").as_str())
    );
    let evil = rows
        .iter()
        .find(|r| r["name"].as_str().is_some_and(|n| n.starts_with("evil")))
        .expect("evil");
    assert!(
        evil["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("its name is not a profile name")),
        "{evil}"
    );
    assert!(evil["username"].is_null(), "{evil}");
    // `show` and `token` on the default row refuse its name; on the valid row they work.
    for i in [2, 6] {
        assert_ne!(ended[i].code, 0, "{}", ended[i].stdout);
        assert!(
            ended[i].stderr.contains("Profile names use"),
            "{}",
            ended[i].stderr
        );
    }
    assert_eq!(ended[3].code, 0, "{}", ended[3].stderr);
    assert_eq!(ended[4].code, 0, "{}", ended[4].stderr);
    assert_eq!(ended[7].code, 0, "{}", ended[7].stderr);
    assert_eq!(ended[5].code, 6, "{}", ended[5].stderr);
    assert_eq!(ended[8].code, 6, "{}", ended[8].stderr);
}

/// A store revoke with a slow X: both revokes together take longer than a row's lease, so they
/// run outside the row's transaction. Meanwhile the row says it is being revoked and no
/// machine refreshes it; at the end X has revoked both tokens and the row holds none.
#[test]
fn a_store_revoke_with_a_slow_x_holds_no_row_lock_while_x_answers() {
    let w = World::new();
    let url = PgServer::shared().fresh_url();
    let e = login_into_store(&w, &url, "team", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    // Each revoke takes 8 s of a 10 s time-out: 16 s in all, past a lease of 10 s + 5 s.
    w.sandbox
        .set_latency("/2/oauth2/revoke", Duration::from_secs(8));
    let b = Machine::new();
    let mut revoking = b.command(&url, &["revoke", "team"]);
    revoking.env("XCONNECT_TIMEOUT", "10");
    let revoking = revoking.spawn().expect("revoke");

    // While X works on it, the row does not refresh, and says why.
    std::thread::sleep(Duration::from_secs(3));
    expire(&w, &url, "team");
    let c = Machine::new();
    let t = c.run(&url, &["token", "team"]);
    assert_eq!(t.code, 4, "{}", t.stderr);
    assert!(t.stderr.contains("being revoked"), "{}", t.stderr);
    // Meanwhile another machine pulls it, keeping the row as a copy: when the revoke records
    // its end, the row stays a copy (one owner: the file), only without its tokens.
    let pull = c.run(&url, &["store", "pull", "team", "--keep"]);
    assert_eq!(pull.code, 0, "{}", pull.stderr);

    let out = revoking.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(w.sandbox.stats().revocations, 2);
    let stored = row(&w, &url, "team").profile;
    assert!(stored.token.is_none(), "the row holds no token");
    assert!(stored.status.is_none());
    assert!(
        stored.moved.is_some(),
        "the row is still the pulled file's copy, not a second owner"
    );
    assert_eq!(w.sandbox.stats().refreshes, 0);
}

/// Peak resident memory of a finished run, in KiB (from `wait4`'s resource usage).
fn run_measured(m: &Machine, url: &str, args: &[&str]) -> (Ended, i64) {
    let mut c = m.command(url, args);
    let child = c.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; the pid is our own child's.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pointers to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4");
    let mut out = String::new();
    let mut err = String::new();
    use std::io::Read;
    let mut child = child;
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (
        Ended {
            code,
            stdout: out,
            stderr: err,
        },
        usage.ru_maxrss,
    )
}

/// A row far larger than any profile (anyone with INSERT can write one) is never sent to
/// xconnect: `profiles` lists it as too large and `token` refuses it, each in a few MiB.
#[test]
fn a_huge_row_is_never_read_into_memory() {
    let w = World::new();
    let pg = PgServer::shared();
    let db = pg.database();
    let url = pg.url(&db);
    let e = login_into_store(&w, &url, "team", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    pg.psql(
        &db,
        "INSERT INTO xconnect_profiles (name, profile) VALUES ('huge', repeat('x', 200 * 1024 * 1024))",
    );
    let m = Machine::new();
    let (list, list_kib) = run_measured(&m, &url, &["profiles"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("huge"), "{}", list.stdout);
    assert!(list.stdout.contains("team"), "{}", list.stdout);
    let (token, token_kib) = run_measured(&m, &url, &["token", "huge"]);
    assert_eq!(token.code, 6, "{}", token.stderr);
    assert!(token.stderr.contains("too large"), "{}", token.stderr);
    for (what, kib) in [("profiles", list_kib), ("token", token_kib)] {
        assert!(
            kib < 64 * 1024,
            "{what} held {kib} KiB for a 200 MiB row: it was read"
        );
    }
}

#[test]
fn profiles_in_store_mode_points_to_the_files_left_on_this_machine() {
    let w = World::new();
    w.logged_in("local");
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    let e = w.run_env(&["profiles"], &[("XCONNECT_STORE", &url)]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stdout.is_empty(), "{}", e.stdout);
    assert!(
        !e.stderr.contains("No profiles yet.") && e.stderr.contains("in the profile store"),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains("local") && e.stderr.contains("xconnect store push local"),
        "{}",
        e.stderr
    );
    // The advice works.
    assert_eq!(
        w.run_env(&["store", "push", "local"], &[("XCONNECT_STORE", &url)])
            .code,
        0
    );
    let e = w.run_env(&["profiles"], &[("XCONNECT_STORE", &url)]);
    assert!(e.stdout.contains("local"), "{}", e.stdout);
    assert!(!e.stderr.contains("store push"), "{}", e.stderr);
}

/// `doctor` on the shared store: reachable, TLS as the address asks, schema current, and the
/// profile's row not locked; a row that another machine holds locked (a refresh in progress,
/// or a stuck session) fails the lock check at once, without waiting and without changing it.
#[test]
fn doctor_checks_the_store_and_says_when_the_profile_s_row_is_locked() {
    let w = World::new();
    let url = PgServer::shared().fresh_url();
    let e = login_into_store(&w, &url, "team", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let b = Machine::new();
    let d = b.run(&url, &["doctor", "team", "--json"]);
    assert_eq!(d.code, 0, "{}\n{}", d.stdout, d.stderr);
    let v: serde_json::Value = serde_json::from_str(&d.stdout).expect("json");
    let status = |v: &serde_json::Value, check: &str| {
        v.as_array()
            .expect("array")
            .iter()
            .find(|c| c["check"] == check)
            .unwrap_or_else(|| panic!("no {check}: {v:#}"))["status"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    for check in [
        "store",
        "store_tls",
        "store_schema",
        "profile_lock",
        "token",
        "users_me",
    ] {
        assert_eq!(status(&v, check), "pass", "{check}: {v:#}");
    }

    // Another machine holds the row's lock until told to let go.
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let mut holder = pg_store(&w, &url);
    let holding = w.rt.spawn(async move {
        holder
            .update_locked::<(), _, _>("team", |_, _| async move {
                let _ = locked_tx.send(());
                let _ = release_rx.await;
                xconnect::store::Update::Keep
            })
            .await
            .map(|_| ())
    });
    locked_rx
        .recv_timeout(Duration::from_secs(10))
        .expect("the row is locked");
    let started = Instant::now();
    let d = b.run(&url, &["doctor", "team", "--json"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "no wait for the lock"
    );
    assert_eq!(d.code, 1, "{}\n{}", d.stdout, d.stderr);
    let v: serde_json::Value = serde_json::from_str(&d.stdout).expect("json");
    assert_eq!(status(&v, "profile_lock"), "fail", "{v:#}");
    let text = b.run(&url, &["doctor", "team"]);
    assert!(text.stdout.contains("✗ profile_lock: "), "{}", text.stdout);
    let _ = release_tx.send(());
    w.rt.block_on(holding).expect("task").expect("holder");
    assert_eq!(b.run(&url, &["doctor", "team"]).code, 0);
}

/// `token` is what scripts call most, one process each: from the store it costs the session's
/// start and one read, however the profile is named; so do `api`, `show` and the other
/// commands that read a profile before they act. (`token` once asked for the default's name,
/// then read the profile twice: four statements, each a round trip to the server.)
#[test]
fn a_command_reading_a_profile_from_the_store_is_the_session_start_and_one_read() {
    let w = World::new();
    let pg = PgServer::shared();
    let db = pg.database();
    let url = pg.url(&db);
    let e = login_into_store(&w, &url, "team", &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    // Every statement of a new session on this database goes to the server's log.
    pg.psql(
        "postgres",
        &format!("ALTER DATABASE {db} SET log_statement = 'all'"),
    );
    let b = Machine::new();
    let commands: [&[&str]; 5] = [
        &["token"],
        &["token", "team"],
        &["api", "/2/users/me"],
        &["show"],
        &["show", "team"],
    ];
    for args in commands {
        let before = pg.log().len();
        let t = b.run(&url, args);
        assert_eq!(t.code, 0, "{args:?}: {}", t.stderr);
        let log = pg.log();
        let statements: Vec<&str> = log[before..]
            .lines()
            .filter(|l| l.contains("LOG:  statement: ") || l.contains("LOG:  execute "))
            .collect();
        assert_eq!(
            statements.len(),
            2,
            "xconnect {args:?} sent these statements:\n{}",
            statements.join("\n")
        );
    }
}
