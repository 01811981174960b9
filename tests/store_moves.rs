//! One chain, one owner: `store push` and `store pull` hand a profile's token chain over so that
//! a crash at any moment leaves exactly one copy that may refresh, and the same command run
//! again finishes the move. X rotates refresh tokens and ends the grant when an old one comes
//! back; the emulator counts every such replay, and each test ends with none.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::*;
use common::machines::*;
use common::pg::PgServer;

fn strace_works() {
    let ok = Command::new("strace")
        .args(["-qq", "-o", "/dev/null", "true"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "this test needs strace (and ptrace) to stop a process at a chosen system call: apt-get install strace (.ci/run does)"
    );
}

/// Runs `xconnect ARGS` on `w`'s machine with the store, killed (SIGKILL) by strace at the
/// first of `calls`.
fn killed_at(w: &World, url: &str, calls: &str, args: &[&str]) {
    strace_works();
    let status = Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null"])
        .args(["-e", &format!("trace={calls}")])
        .args(["-e", &format!("inject={calls}:signal=KILL:when=1")])
        .arg(env!("CARGO_BIN_EXE_xconnect"))
        .args(args)
        .arg("--config-dir")
        .arg(w.dir.path())
        .env("XCONNECT_STORE", url)
        .env_remove("XCONNECT_API_BASE")
        .env_remove("XCONNECT_CONFIG_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("strace");
    assert!(!status.success(), "the process was killed: {status:?}");
}

fn with_store(url: &str) -> [(&'static str, &str); 1] {
    [("XCONNECT_STORE", url)]
}

/// The file's refresh token.
fn file_refresh(w: &World, name: &str) -> String {
    w.read(name)["token"]["refresh_token"]
        .as_str()
        .expect("refresh token")
        .to_string()
}

fn assert_no_replay(w: &World) {
    assert_eq!(
        w.sandbox.stats().replays,
        0,
        "X saw a replayed refresh token: the chain was broken"
    );
}

/// Kills `store pull NAME` on `w`'s machine once it has written the file, while the store
/// holds the row's deletion (a trigger that sleeps): the file is the owner, the row still says
/// it is moving there.
fn pull_killed_after_its_file(w: &World, pg: &PgServer, url: &str, name: &str) {
    let db = url
        .rsplit('/')
        .next()
        .and_then(|tail| tail.split('?').next())
        .expect("database")
        .to_string();
    pg.psql(
        &db,
        "CREATE FUNCTION slow_delete() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(30); RETURN OLD; END $$ LANGUAGE plpgsql;
         CREATE TRIGGER slow_delete BEFORE DELETE ON xconnect_profiles FOR EACH ROW EXECUTE FUNCTION slow_delete();",
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_xconnect"))
        .args(["store", "pull", name, "--config-dir"])
        .arg(w.dir.path())
        .env("XCONNECT_STORE", url)
        .env_remove("XCONNECT_API_BASE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("pull");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !w.profile(name).exists() {
        assert!(Instant::now() < deadline, "the pull never wrote the file");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child.kill().expect("kill");
    let _ = child.wait();
    // The deletion's session ends with its uncommitted transaction.
    pg.psql(
        &db,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();",
    );
    pg.psql(
        &db,
        "DROP TRIGGER slow_delete ON xconnect_profiles; DROP FUNCTION slow_delete();",
    );
}

/// A forced native login into profile `name` of `w`'s folder (replacing what is there).
fn logged_in_again(w: &World, name: &str) {
    let mut l = w.login(&["--client-id", ID, "--profile", name, "--force"], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    let e = l.end();
    assert_eq!(e.code, 0, "{}", e.stderr);
}

/// If the file is there, it must refresh without replaying a rotated-out token.
fn refreshes_without_replay(w: &World, name: &str) {
    if w.profile(name).exists() {
        w.expire(name);
        let t = w.run(&["token", name]);
        assert_no_replay(w);
        assert_eq!(t.code, 0, "{}", t.stderr);
    }
}

#[test]
fn a_pull_killed_before_its_rename_hands_the_chain_to_the_file_and_the_store_stops_refreshing() {
    let w = World::new();
    let url = PgServer::shared().fresh_url();
    w.logged_in("work");
    let push = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(push.code, 0, "{}", push.stderr);

    // Killed when the file it writes is complete and about to be renamed into place.
    killed_at(
        &w,
        &url,
        "rename,renameat,renameat2",
        &["store", "pull", "work"],
    );

    // Another machine uses the store meanwhile: the row no longer refreshes, and says where
    // the profile went and how to finish.
    let b = Machine::new();
    for _ in 0..3 {
        expire(&w, &url, "work");
        let t = b.run(&url, &["token", "work"]);
        assert_eq!(t.code, 3, "the store's copy may not refresh: {}", t.stderr);
        assert!(
            t.stderr.contains("being moved out of the profile store"),
            "{}",
            t.stderr
        );
        assert!(
            t.stderr.contains("xconnect store pull work"),
            "{}",
            t.stderr
        );
        assert!(t.stdout.is_empty());
    }
    assert_eq!(w.sandbox.stats().refreshes, 0);

    // The pull again finishes the move: the file is the owner, the row is gone.
    let again = w.run_env(&["store", "pull", "work"], &with_store(&url));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(
        b.run(&url, &["token", "work"]).code,
        3,
        "no longer in the store"
    );
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(works(&w, t.stdout.trim()));
    assert_eq!(w.sandbox.stats().refreshes, 1);
    assert_no_replay(&w);
}

#[test]
fn a_push_killed_after_its_commit_leaves_a_file_that_never_refreshes_and_a_second_push_finishes() {
    let w = World::new();
    let url = PgServer::shared().fresh_url();
    w.logged_in("work");

    // Killed at the removal of the file, after the row was committed.
    killed_at(&w, &url, "unlink,unlinkat", &["store", "push", "work"]);
    assert!(w.profile("work").exists(), "the file is still there");
    let stored = row(&w, &url, "work");
    assert!(stored.profile.moved.is_none(), "the row is the owner");

    // The file says where the profile went, and does not refresh.
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 3, "the file may not refresh: {}", t.stderr);
    assert!(
        t.stderr.contains("being moved into the profile store"),
        "{}",
        t.stderr
    );
    assert!(
        t.stderr.contains("xconnect store push work"),
        "{}",
        t.stderr
    );
    let r = w.run(&["refresh", "work"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    let rv = w.run(&["revoke", "work"]);
    assert_eq!(
        rv.code, 3,
        "a copy's revoke would end the owner's grant: {}",
        rv.stderr
    );

    // The store's copy refreshes, on any machine.
    let b = Machine::new();
    expire(&w, &url, "work");
    let t = b.run(&url, &["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(works(&w, t.stdout.trim()));

    // The push again finishes: the file is removed, the row is kept as it is now.
    let again = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("Finished moving work"),
        "{}",
        again.stderr
    );
    assert!(!w.profile("work").exists());
    assert_eq!(
        row(&w, &url, "work")
            .profile
            .token
            .expect("token")
            .access_token,
        t.stdout.trim()
    );
    // And once more: nothing left to do.
    assert_eq!(
        w.run_env(&["store", "push", "work"], &with_store(&url))
            .code,
        3
    );
    assert_no_replay(&w);
}

#[test]
fn a_push_killed_before_its_commit_leaves_one_owner_and_a_second_push_finishes() {
    let w = World::new();
    let url = PgServer::shared().fresh_url();
    w.logged_in("work");
    let before = file_refresh(&w, "work");
    // Killed as the mark that the file is moving lands (its rename), before the row is written.
    killed_at(
        &w,
        &url,
        "rename,renameat,renameat2",
        &["store", "push", "work"],
    );
    let b = Machine::new();
    assert_eq!(
        b.run(&url, &["token", "work"]).code,
        3,
        "not in the store yet"
    );
    let again = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(!w.profile("work").exists());
    let stored = row(&w, &url, "work").profile;
    assert!(stored.moved.is_none());
    assert_eq!(
        stored.token.expect("token").refresh_token.as_deref(),
        Some(before.as_str())
    );
    expire(&w, &url, "work");
    assert_eq!(b.run(&url, &["token", "work"]).code, 0);
    assert_no_replay(&w);
}

#[test]
fn a_push_finished_again_after_the_profile_left_the_store_brings_back_no_old_copy() {
    let w = World::new();
    let url = PgServer::shared().fresh_url();
    w.logged_in("work");
    killed_at(&w, &url, "unlink,unlinkat", &["store", "push", "work"]);
    // Another machine pulls it and refreshes its file.
    let b = Machine::new();
    let pull = b.run(&url, &["store", "pull", "work"]);
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    let b_file = b.dir.path().join("profiles/work.toml");
    let text = std::fs::read_to_string(&b_file).expect("b's file");
    std::fs::write(
        &b_file,
        text.lines()
            .map(|l| {
                if l.starts_with("expires_at = ") {
                    "expires_at = \"2020-01-01T00:00:00Z\""
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n",
    )
    .expect("expire");
    let mut c = b.command("", &["token", "work"]);
    c.env_remove("XCONNECT_STORE");
    let out = c.output().expect("token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The first machine's push, run again, must not put its old copy back in the store.
    let again = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(again.stderr.contains("old copy"), "{}", again.stderr);
    assert!(!w.profile("work").exists());
    assert_eq!(
        b.run(&url, &["token", "work"]).code,
        3,
        "nothing in the store"
    );
    assert_no_replay(&w);
}

#[test]
fn a_pull_killed_while_the_store_deletes_the_row_leaves_the_file_as_the_only_owner() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    w.logged_in("work");
    let push = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(push.code, 0, "{}", push.stderr);
    // The file is written, the row's deletion waits in the database: kill -9 then.
    pull_killed_after_its_file(&w, pg, &url, "work");

    // Both copies exist; only the file refreshes.
    let b = Machine::new();
    expire(&w, &url, "work");
    let t = b.run(&url, &["token", "work"]);
    assert_eq!(t.code, 3, "{}", t.stderr);
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(works(&w, t.stdout.trim()));

    // The pull again finishes: the file that refreshed stays as it is; the row goes.
    let refreshed = file_refresh(&w, "work");
    let again = w.run_env(&["store", "pull", "work"], &with_store(&url));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(file_refresh(&w, "work"), refreshed);
    assert_eq!(b.run(&url, &["token", "work"]).code, 3);
    assert_no_replay(&w);
}

#[test]
fn a_copy_kept_by_pull_keep_reads_while_fresh_and_never_refreshes() {
    let w = World::new();
    let url = PgServer::shared().fresh_url();
    w.logged_in("work");
    let push = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(push.code, 0, "{}", push.stderr);
    let pull = w.run_env(&["store", "pull", "work", "--keep"], &with_store(&url));
    assert_eq!(pull.code, 0, "{}", pull.stderr);
    assert!(pull.stderr.contains("for reading only"), "{}", pull.stderr);

    let b = Machine::new();
    // While fresh, the kept copy's access token is read.
    let t = b.run(&url, &["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    // Expiring, it does not refresh: it says where the chain is.
    expire(&w, &url, "work");
    let t = b.run(&url, &["token", "work"]);
    assert_eq!(t.code, 3, "{}", t.stderr);
    assert!(t.stderr.contains("for reading only"), "{}", t.stderr);
    assert!(t.stderr.contains("work.toml"), "{}", t.stderr);
    assert_eq!(b.run(&url, &["refresh", "work"]).code, 3);
    assert_eq!(b.run(&url, &["revoke", "work"]).code, 3);

    // The file is the owner.
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(works(&w, t.stdout.trim()));
    // Pushed back, it replaces its own kept copy without --force.
    let back = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(back.code, 0, "{}", back.stderr);
    expire(&w, &url, "work");
    let t = b.run(&url, &["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert_no_replay(&w);
}

#[test]
fn a_pull_finished_after_its_file_refreshed_and_was_removed_brings_back_no_old_token() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    w.logged_in("work");
    let push = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(push.code, 0, "{}", push.stderr);
    pull_killed_after_its_file(&w, pg, &url, "work");

    // The file is the owner: it refreshes (the row keeps the token it froze, now rotated out).
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    // Then it is removed: that chain ends here.
    let rm = w.run(&["remove", "work", "--yes"]);
    assert_eq!(rm.code, 0, "{}", rm.stderr);

    // The pull run again, as the row says, must not write the row's old token back as the owner.
    let again = w.run_env(&["store", "pull", "work"], &with_store(&url));
    assert_eq!(again.code, 0, "{}", again.stderr);
    refreshes_without_replay(&w, "work");
    assert!(
        again.stderr.contains("removed or replaced"),
        "{}",
        again.stderr
    );
    assert!(!w.profile("work").exists(), "no old copy brought back");
    let b = Machine::new();
    assert_eq!(
        b.run(&url, &["token", "work"]).code,
        3,
        "nothing left in the store"
    );
    assert_no_replay(&w);
}

#[test]
fn a_pull_finished_after_its_file_was_replaced_by_a_login_keeps_the_new_login() {
    let w = World::new();
    let pg = PgServer::shared();
    let url = pg.fresh_url();
    w.logged_in("work");
    let push = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(push.code, 0, "{}", push.stderr);
    pull_killed_after_its_file(&w, pg, &url, "work");
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    // A new login replaces the file: a new chain; the pulled one ends here.
    logged_in_again(&w, "work");
    let new_refresh = file_refresh(&w, "work");

    // The pull run again finishes (no --force, which would write the row's old token over the
    // new login) and leaves the new login as it is.
    let again = w.run_env(&["store", "pull", "work"], &with_store(&url));
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(file_refresh(&w, "work"), new_refresh);
    let b = Machine::new();
    assert_eq!(b.run(&url, &["token", "work"]).code, 3, "the row is gone");
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(works(&w, t.stdout.trim()));
    assert_no_replay(&w);
}

#[test]
fn a_push_refused_by_another_profile_in_the_store_leaves_the_file_refreshing() {
    let w = World::new();
    let url = PgServer::shared().fresh_url();
    w.logged_in("work");
    // Another login of that name went into the store: another chain.
    let other = login_into_store(&w, &url, "work", &[]);
    assert_eq!(other.code, 0, "{}", other.stderr);
    let theirs = row(&w, &url, "work").profile.token.expect("token");

    let push = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(push.code, 1, "{}", push.stderr);
    assert!(push.stderr.contains("--force"), "{}", push.stderr);
    assert!(push.stderr.contains("left as it was"), "{}", push.stderr);
    // Nothing changed: the file is its chain's owner and refreshes; so is the row, of its own.
    assert!(
        w.read("work").get("moved").is_none(),
        "the file is not marked"
    );
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(works(&w, t.stdout.trim()));
    assert_eq!(
        row(&w, &url, "work")
            .profile
            .token
            .expect("token")
            .refresh_token,
        theirs.refresh_token
    );
    expire(&w, &url, "work");
    let b = Machine::new();
    let t = b.run(&url, &["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert!(works(&w, t.stdout.trim()));

    // A push stopped as its mark landed, then run again and refused: the same.
    killed_at(
        &w,
        &url,
        "rename,renameat,renameat2",
        &["store", "push", "work"],
    );
    let again = w.run_env(&["store", "push", "work"], &with_store(&url));
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("left as it was"), "{}", again.stderr);
    assert!(
        w.read("work").get("moved").is_none(),
        "the file is not marked"
    );
    w.expire("work");
    let t = w.run(&["token", "work"]);
    assert_eq!(t.code, 0, "{}", t.stderr);

    // With --force it moves in, and the store's chain ends.
    let ours = file_refresh(&w, "work");
    let forced = w.run_env(&["store", "push", "work", "--force"], &with_store(&url));
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(!w.profile("work").exists());
    assert_eq!(
        row(&w, &url, "work")
            .profile
            .token
            .expect("token")
            .refresh_token
            .as_deref(),
        Some(ours.as_str())
    );
    assert_no_replay(&w);
}
