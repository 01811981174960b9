//! A sandbox profile outlives the process that made it: `login --sandbox` exits, and `token`,
//! `api`, `refresh`, `revoke` and `login --profile` each work in processes of their own, with
//! no network and no X account. Every step runs the real binary.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use common::cli::{Ended, Login, ID};

/// `xconnect ARGS` with only `dir` for its config (and so its state) folder.
fn xconnect(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xconnect"));
    cmd.args(args).arg("--config-dir").arg(dir);
    for var in [
        "XCONNECT_CONFIG_DIR",
        "XCONNECT_STATE_DIR",
        "XCONNECT_API_BASE",
        "XCONNECT_AUTH_BASE",
        "XCONNECT_STORE",
        "XCONNECT_CLIENT_SECRET",
        "XCONNECT_TIMEOUT",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Ended {
    let out = xconnect(dir, args)
        .stdin(Stdio::null())
        .output()
        .expect("run xconnect");
    Ended {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A whole `login --no-tui` with these arguments, the consent given over HTTP.
fn login(dir: &Path, args: &[&str]) -> (String, Ended) {
    let mut all = vec!["login", "--no-tui"];
    all.extend_from_slice(args);
    let mut l = Login::spawn(xconnect(dir, &all));
    let link = l.link();
    let redirect = common::browser::approve_over_http(&link);
    l.type_line(&redirect);
    (link, l.end())
}

fn profile(dir: &Path, name: &str) -> toml::Value {
    let text = std::fs::read_to_string(dir.join("profiles").join(format!("{name}.toml")))
        .expect("profile file");
    toml::from_str(&text).expect("toml")
}

fn access_token(dir: &Path, name: &str) -> String {
    profile(dir, name)["token"]["access_token"]
        .as_str()
        .expect("access token")
        .to_string()
}

#[test]
fn a_sandbox_profile_keeps_working_after_its_login_process_ends() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let (link, e) = login(dir, &["--sandbox", "--client-id", ID, "--profile", "play"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    let p = profile(dir, "play");
    assert_eq!(p["endpoints"]["sandbox"].as_bool(), Some(true), "{p}");

    // The login's emulator is gone; each command brings its own, with the same grants.
    let t = run(dir, &["token", "play"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    assert_eq!(t.stdout.trim(), access_token(dir, "play"));

    let me = run(dir, &["api", "/2/users/me", "--profile", "play"]);
    assert_eq!(me.code, 0, "{}", me.stderr);
    let v: serde_json::Value = serde_json::from_str(&me.stdout).expect("json");
    assert_eq!(v["data"]["username"], "sandbox_user");
    let user_id = v["data"]["id"].as_str().expect("id").to_string();

    let before = access_token(dir, "play");
    for round in 0..2 {
        let r = run(dir, &["refresh", "play"]);
        assert_eq!(r.code, 0, "round {round}: {}", r.stderr);
        assert!(r.stdout.starts_with("Refreshed play"), "{}", r.stdout);
    }
    let after = access_token(dir, "play");
    assert_ne!(after, before, "rotated");
    let me = run(dir, &["api", "/2/users/me", "--profile", "play"]);
    assert_eq!(me.code, 0, "the rotated token works: {}", me.stderr);

    // Posts stay too.
    let post = run(
        dir,
        &[
            "api",
            "--profile",
            "play",
            "-X",
            "POST",
            "/2/tweets",
            "-f",
            "text=kept",
        ],
    );
    assert_eq!(post.code, 0, "{}", post.stderr);
    let path = format!("/2/users/{user_id}/tweets");
    let list = run(dir, &["api", "--profile", "play", &path]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("kept"), "{}", list.stdout);

    let state = dir.join("state").join("sandbox.json");
    let mode = std::fs::metadata(&state)
        .expect("state file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let r = run(dir, &["revoke", "play"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t = run(dir, &["token", "play"]);
    assert_eq!(t.code, 4, "{}", t.stderr);
    assert!(
        t.stderr.contains("xconnect login --profile play"),
        "{}",
        t.stderr
    );

    // The advice works offline: logging in again uses the sandbox, not x.com.
    let (link, e) = login(dir, &["--profile", "play"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    assert!(link.contains(ID), "the saved app: {link}");
    let t = run(dir, &["token", "play"]);
    assert_eq!(t.code, 0, "{}", t.stderr);
    let me = run(dir, &["api", "/2/users/me", "--profile", "play"]);
    assert_eq!(me.code, 0, "{}", me.stderr);
}

#[test]
fn a_revoked_sandbox_token_stays_revoked_in_the_next_process() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let (_, e) = login(dir, &["--sandbox", "--client-id", ID, "--profile", "p"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let (_, e) = login(dir, &["--sandbox", "--client-id", ID, "--profile", "q"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let old = access_token(dir, "p");
    assert_eq!(run(dir, &["revoke", "p"]).code, 0);
    // Put the revoked access token back (alone): the emulator remembers it is dead.
    let file = dir.join("profiles").join("p.toml");
    let text = std::fs::read_to_string(dir.join("profiles").join("q.toml")).expect("q");
    let q = access_token(dir, "q");
    let text: String = text
        .replace(&q, &old)
        .lines()
        .filter(|l| !l.starts_with("refresh_token"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&file, text).expect("write");
    let me = run(dir, &["api", "/2/users/me", "--profile", "p"]);
    assert_ne!(me.code, 0, "a revoked token is refused: {}", me.stdout);
    // The other login's grant is untouched.
    assert_eq!(run(dir, &["api", "/2/users/me", "--profile", "q"]).code, 0);
}

#[test]
fn the_sandbox_s_hand_off_says_its_values_are_the_sandbox_s() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (_, e) = login(
        tmp.path(),
        &["--sandbox", "--client-id", ID, "--profile", "play"],
    );
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        !e.stderr.contains("proved this app's settings"),
        "{}",
        e.stderr
    );
    assert!(!e.stderr.contains("will go through"), "{}", e.stderr);
    assert!(
        e.stderr.contains("These values are the sandbox's"),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains("set up the real app at X the same way"),
        "{}",
        e.stderr
    );
}

/// The portal's App permissions, as the sandbox keeps them for `client_id`.
fn sandbox_permission(dir: &Path, client_id: &str) -> String {
    let text = std::fs::read_to_string(dir.join("state").join(xconnect::sandbox::STATE_FILE))
        .expect("sandbox state");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    let apps = v["apps"].clone();
    let app = apps
        .as_array()
        .and_then(|a| a.iter().find(|a| a["client_id"] == client_id).cloned())
        .or_else(|| apps.get(client_id).cloned())
        .unwrap_or_else(|| panic!("no app {client_id} in {v}"));
    app["permission"].as_str().expect("permission").to_string()
}

#[test]
fn the_sandbox_keeps_the_app_s_permission_level_as_set_up() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let (_, e) = login(
        dir,
        &[
            "--sandbox",
            "--client-id",
            ID,
            "--profile",
            "reader",
            "--permissions",
            "read",
        ],
    );
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(sandbox_permission(dir, ID), "read");
    let posted = run(dir, &["post", "hello", "--profile", "reader"]);
    assert_ne!(
        posted.code, 0,
        "an app set to Read cannot post: {}",
        posted.stdout
    );
}
