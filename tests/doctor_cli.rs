//! `xconnect doctor`: every check through the real binary against the sandbox, each made to
//! pass and made to fail. One line per check (✓ ✗ !, ASCII without a UTF-8 locale), `--json`
//! for scripts, exit 0 only when no check fails (a `!` does not count).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::cli::*;
use serde_json::Value;
use xconnect::sandbox::api::Endpoint;
use xconnect::sandbox::SandboxApp;
use xconnect::x::Permission;

/// `doctor --json` as (check, status, detail, fix) rows.
fn report(w: &World, args: &[&str]) -> (Ended, Vec<(String, String, String, String)>) {
    let mut all = vec!["doctor", "--json"];
    all.extend_from_slice(args);
    let e = w.run(&all);
    let v: Value = serde_json::from_str(&e.stdout)
        .unwrap_or_else(|err| panic!("not JSON ({err}): {}\n{}", e.stdout, e.stderr));
    let rows = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|c| {
            let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            (s("check"), s("status"), s("detail"), s("fix"))
        })
        .collect();
    (e, rows)
}

/// The row of one check.
fn row<'a>(
    rows: &'a [(String, String, String, String)],
    check: &str,
) -> &'a (String, String, String, String) {
    rows.iter()
        .find(|r| r.0 == check)
        .unwrap_or_else(|| panic!("no {check} check in {rows:#?}"))
}

fn assert_status(rows: &[(String, String, String, String)], check: &str, status: &str) {
    let r = row(rows, check);
    assert_eq!(r.1, status, "{check}: {r:#?}");
}

#[test]
fn a_healthy_profile_passes_every_check_in_order_and_exits_0() {
    let w = World::new();
    w.logged_in("default");
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 0, "{}\n{}", e.stdout, e.stderr);
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "profile_folder",
            "profile_lock",
            "profile",
            "owner",
            "refresh_token",
            "token",
            "client_auth",
            "users_me",
            "clock",
            "scopes",
            "rate_limit",
            "plan"
        ]
    );
    for r in &rows {
        assert_eq!(r.1, "pass", "{r:#?}");
    }
    assert!(
        row(&rows, "users_me").2.contains("@sandbox_user"),
        "{rows:#?}"
    );

    // The same as lines for a person: a mark, the check, what was found.
    let e = w.run(&["doctor"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(e.stdout.lines().count(), rows.len(), "{}", e.stdout);
    assert!(
        e.stdout.lines().all(|l| l.starts_with("✓ ")),
        "{}",
        e.stdout
    );
    assert!(e.stdout.contains("✓ users_me: "), "{}", e.stdout);
    // No UTF-8 in the locale: ASCII marks.
    let e = w.run_env(&["doctor", "default"], &[("LC_ALL", "C")]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stdout.lines().all(|l| l.starts_with("v ")),
        "{}",
        e.stdout
    );
}

#[test]
fn a_profile_others_can_read_fails_and_says_the_chmod() {
    let w = World::new();
    w.logged_in("default");
    let path = w.profile("default");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "profile", "fail");
    assert!(row(&rows, "profile").3.contains("chmod"), "{rows:#?}");
    // The rest still runs: X answers.
    assert_status(&rows, "users_me", "pass");
    let e = w.run(&["doctor"]);
    assert!(e.stdout.contains("✗ profile: "), "{}", e.stdout);
}

#[test]
fn a_missing_profile_fails_the_profile_check() {
    let w = World::new();
    w.logged_in("default");
    let (e, rows) = report(&w, &["ghost"]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "profile", "fail");
    assert!(rows.iter().all(|r| r.0 != "users_me"), "{rows:#?}");
}

#[test]
fn a_copy_that_is_not_its_chains_owner_fails_the_owner_check() {
    let w = World::new();
    w.logged_in("default");
    let path = w.profile("default");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut p = xconnect::profile::Profile::from_toml(&text).expect("profile");
    p.mark_moved(xconnect::profile::Moved {
        to: xconnect::profile::MovedTo::Store,
        place: "db.example:5432/xconnect".into(),
        id: "m1".into(),
        state: xconnect::profile::MoveState::Kept,
        at: time::OffsetDateTime::now_utc(),
    });
    std::fs::write(&path, p.to_toml().expect("toml")).expect("write");
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "owner", "fail");
    assert!(row(&rows, "owner").2.contains("reading only"), "{rows:#?}");
}

#[test]
fn an_expired_token_is_refreshed_and_the_rotated_one_saved() {
    let w = World::new();
    w.logged_in("default");
    let before = w.read("default")["token"]["refresh_token"].clone();
    w.expire("default");
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_status(&rows, "token", "pass");
    assert!(row(&rows, "token").2.contains("refreshed"), "{rows:#?}");
    assert!(
        row(&rows, "client_auth").2.contains("refresh"),
        "what the refresh proved: {rows:#?}"
    );
    assert_eq!(w.sandbox.stats().refreshes, 1);
    assert_ne!(w.read("default")["token"]["refresh_token"], before, "saved");
}

#[test]
fn a_revoked_profile_fails_the_token_check_with_the_login_to_run() {
    let w = World::new();
    w.logged_in("default");
    assert_eq!(w.run(&["revoke"]).code, 0);
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "token", "fail");
    assert!(
        row(&rows, "token")
            .3
            .contains("xconnect login --profile default"),
        "{rows:#?}"
    );
}

#[test]
fn an_app_made_confidential_in_the_portal_fails_the_client_auth_check() {
    let w = World::new();
    w.logged_in("default");
    // The portal's Type of App became Web App: X now wants a Client Secret.
    w.sandbox.register_app(SandboxApp::confidential(
        ID,
        "s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t-",
        [CALLBACK],
    ));
    w.expire("default");
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "token", "fail");
    assert_status(&rows, "client_auth", "fail");
    assert!(
        row(&rows, "client_auth").3.contains("Native App"),
        "{rows:#?}"
    );
}

#[test]
fn an_app_outside_a_project_fails_users_me_with_the_portal_and_console_fix() {
    let w = World::new();
    w.logged_in("default");
    let mut app = SandboxApp::public(ID, [CALLBACK]);
    app.enrolled = false;
    w.sandbox.register_app(app);
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "users_me", "fail");
    let fix = &row(&rows, "users_me").3;
    assert!(fix.contains("Project"), "{rows:#?}");
    assert!(fix.contains("Developer Console"), "{rows:#?}");
}

#[test]
fn a_clock_far_from_x_s_fails_and_says_by_how_much() {
    let w = World::new();
    w.logged_in("default");
    w.sandbox.advance_clock(Duration::from_secs(3600));
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "clock", "fail");
    assert!(row(&rows, "clock").2.contains("1 hour behind"), "{rows:#?}");
}

#[test]
fn a_spent_rate_limit_fails_and_says_when_it_resets() {
    let w = World::new();
    w.logged_in("default");
    w.sandbox.set_rate_limit(Endpoint::UsersMe, 0);
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "rate_limit", "fail");
    assert_status(&rows, "plan", "pass");
    // Little room left: a warning, which does not fail.
    let w = World::new();
    w.logged_in("default");
    w.sandbox.set_rate_limit(Endpoint::UsersMe, 10);
    // The login called /2/users/me once, and doctor calls it once more.
    for _ in 0..7 {
        assert_eq!(w.run(&["api", "/2/users/me"]).code, 0);
    }
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_status(&rows, "rate_limit", "warn");
    assert!(row(&rows, "rate_limit").2.contains("1 of 10"), "{rows:#?}");
}

#[test]
fn a_usage_cap_and_an_empty_balance_fail_the_plan_check() {
    let w = World::new();
    w.logged_in("default");
    w.sandbox.set_usage_cap(Some(("Monthly", "Product")));
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "plan", "fail");
    assert!(
        row(&rows, "plan").2.contains("monthly usage cap"),
        "{rows:#?}"
    );
    assert_status(&rows, "rate_limit", "pass");
    w.sandbox.set_usage_cap(None);
    w.sandbox.set_credits(Some(0));
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "plan", "fail");
    assert!(row(&rows, "plan").2.contains("credits"), "{rows:#?}");
}

#[test]
fn fewer_scopes_than_asked_fail_and_no_write_scope_warns_for_posting() {
    let w = World::new();
    // The portal's App permissions are Read, the login asks for read and write.
    w.sandbox
        .register_app(SandboxApp::public(ID, [CALLBACK]).with_permission(Permission::Read));
    let mut l = w.login(&["--client-id", ID, "--permissions", "read-write"], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    assert_eq!(l.end().code, 0);
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "scopes", "fail");
    assert!(row(&rows, "scopes").2.contains("tweet.write"), "{rows:#?}");

    // Read asked and granted: nothing missing, but posting cannot work.
    let w = World::new();
    w.sandbox
        .register_app(SandboxApp::public(ID, [CALLBACK]).with_permission(Permission::Read));
    let mut l = w.login(&["--client-id", ID, "--permissions", "read"], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    assert_eq!(l.end().code, 0);
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_status(&rows, "scopes", "warn");
    assert!(row(&rows, "scopes").2.contains("post"), "{rows:#?}");
    let e = w.run(&["doctor"]);
    assert!(e.stdout.contains("! scopes: "), "{}", e.stdout);
}

#[test]
fn no_refresh_token_fails_and_names_offline_access() {
    let w = World::new();
    let mut l = w.login(
        &[
            "--client-id",
            ID,
            "--scopes",
            "tweet.read users.read tweet.write",
        ],
        &[],
    );
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    assert_eq!(l.end().code, 0);
    let (e, rows) = report(&w, &[]);
    assert_eq!(e.code, 1, "{}", e.stderr);
    assert_status(&rows, "refresh_token", "fail");
    assert!(
        row(&rows, "refresh_token").3.contains("offline.access"),
        "{rows:#?}"
    );
}
