//! token, refresh, profiles, show, default, revoke, remove — against the X emulator, as a
//! script runs them. Rotated refresh tokens must never be lost.

mod common;

use common::cli::*;
use xconnect::secret::Secret;
use xconnect::x::oauth;
use xconnect::x::{Endpoints, XError};

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

#[test]
fn token_on_a_fresh_profile_prints_only_the_token() {
    let w = World::new();
    w.logged_in("default");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(e.stdout, format!("{}\n", access(&w, "default")));
    assert_eq!(w.sandbox.stats().refreshes, 0, "no refresh needed");
    let j: serde_json::Value =
        serde_json::from_str(&w.run(&["token", "default", "--json"]).stdout).expect("json");
    assert_eq!(j["token_type"], "bearer");
}

#[test]
fn token_on_an_expired_profile_refreshes_and_saves_the_rotated_token_first() {
    let w = World::new();
    w.logged_in("default");
    let (old_access, old_refresh) = (access(&w, "default"), refresh_token(&w, "default"));
    w.expire("default");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    let printed = e.stdout.trim().to_string();
    assert_ne!(printed, old_access);
    assert_eq!(
        printed,
        access(&w, "default"),
        "the printed token is the saved one"
    );
    assert_ne!(
        refresh_token(&w, "default"),
        old_refresh,
        "the rotated refresh token is saved"
    );
    assert_eq!(w.sandbox.stats().refreshes, 1);
    assert!(works(&w, &printed));
    assert_eq!(mode(&w.profile("default")), 0o600, "the rewrite keeps 0600");
    // X no longer takes the old refresh token.
    let e = Endpoints::new(&w.sandbox.base_url(), &w.sandbox.base_url()).expect("endpoints");
    let app = xconnect::app::AppConfig {
        client_id: ID.into(),
        callback_url: CALLBACK.into(),
        ..Default::default()
    };
    let err = w.rt.block_on(async {
        let http = oauth::http_client().expect("client");
        oauth::refresh(&http, &app, &e, &Secret::new(old_refresh))
            .await
            .unwrap_err()
    });
    assert!(matches!(err, XError::GrantInvalid(_)), "{err:?}");
}

#[test]
fn two_processes_at_the_same_moment_refresh_once_and_both_print_a_working_token() {
    let w = World::new();
    w.logged_in("default");
    for round in 1..=8u64 {
        w.expire("default");
        let spawn = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_xconnect"))
                .args(["token", "--config-dir"])
                .arg(w.dir.path())
                .env_remove("XCONNECT_API_BASE")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (
            a.wait_with_output().expect("a"),
            b.wait_with_output().expect("b"),
        );
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
        let (ta, tb) = (
            String::from_utf8_lossy(&a.stdout),
            String::from_utf8_lossy(&b.stdout),
        );
        assert_eq!(ta, tb, "round {round}: both print the one new token");
        assert!(works(&w, ta.trim()), "round {round}: the token works");
        assert_eq!(
            w.sandbox.stats().refreshes,
            round,
            "round {round}: one refresh"
        );
    }
}

#[test]
fn refresh_now_says_the_new_expiry() {
    let w = World::new();
    w.logged_in("default");
    let before = refresh_token(&w, "default");
    let e = w.run(&["refresh"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stdout
            .starts_with("Refreshed default: the access token expires "),
        "{}",
        e.stdout
    );
    assert!(e.stdout.contains("(in 2 hours)"));
    assert_ne!(refresh_token(&w, "default"), before);
}

#[test]
fn revoke_then_token_needs_reauthorization_and_login_fixes_it_without_the_client_id() {
    let w = World::new();
    w.logged_in("default");
    let old = access(&w, "default");
    let e = w.run(&["revoke"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(!works(&w, &old), "X no longer takes the token");
    let p = w.read("default");
    assert!(p.get("token").is_none(), "the tokens left the file");
    assert_eq!(
        p["app"]["client_id"].as_str(),
        Some(ID),
        "the app settings stay"
    );
    let e = w.run(&["token"]);
    assert_eq!(e.code, 4, "{}", e.stderr);
    assert!(e.stderr.contains("xconnect login --profile default"));

    let mut l = w.login(&["--profile", "default"], &[]);
    let link = l.link();
    assert!(link.contains(ID), "the saved Client ID is reused");
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    let e = l.end();
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(w.run(&["token"]).code, 0);
}

#[test]
fn a_dead_refresh_token_marks_the_profile_and_says_so_without_asking_x_again() {
    let w = World::new();
    w.logged_in("default");
    // Someone else used (and so rotated away) the saved refresh token.
    let e = Endpoints::new(&w.sandbox.base_url(), &w.sandbox.base_url()).expect("endpoints");
    let app = xconnect::app::AppConfig {
        client_id: ID.into(),
        callback_url: CALLBACK.into(),
        ..Default::default()
    };
    let r = Secret::new(refresh_token(&w, "default"));
    w.rt.block_on(async {
        let http = oauth::http_client().expect("client");
        oauth::refresh(&http, &app, &e, &r)
            .await
            .expect("stolen refresh")
    });
    w.expire("default");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 4, "{}", e.stderr);
    let p = w.read("default");
    assert_eq!(p["status"]["needs_reauth"].as_bool(), Some(true));
    let refreshes = w.sandbox.stats().refreshes;
    let e = w.run(&["token"]);
    assert_eq!(e.code, 4);
    assert_eq!(w.sandbox.stats().refreshes, refreshes, "no second try at X");
    assert!(w.run(&["profiles"]).stdout.contains("needs login"));
}

#[test]
fn corrupted_and_missing_profiles_get_a_clear_message_and_stay_untouched() {
    let w = World::new();
    w.logged_in("default");
    let path = w.profile("default");
    for junk in [
        "",
        "version = 1\n[app\n",
        "\u{0}\u{1}garbage",
        "version = 99\n[app]\nclient_id = \"x\"\n",
    ] {
        std::fs::write(&path, junk).expect("write");
        let e = w.run(&["token"]);
        assert_eq!(e.code, 6, "{junk:?}: {}", e.stderr);
        assert_eq!(e.stderr.lines().count(), 1, "{}", e.stderr);
        assert!(e.stdout.is_empty());
        assert_eq!(
            std::fs::read(&path).expect("read"),
            junk.as_bytes(),
            "untouched"
        );
    }
    let e = w.run(&["token", "nope"]);
    assert_eq!(e.code, 3, "{}", e.stderr);
    assert!(
        e.stderr.contains("no profile named \"nope\""),
        "{}",
        e.stderr
    );
}

#[test]
fn a_profile_whose_expiry_does_not_read_is_refused_and_left_alone() {
    let w = World::new();
    w.logged_in("default");
    let path = w.profile("default");
    let good = std::fs::read_to_string(&path).expect("read");
    let line = good
        .lines()
        .position(|l| l.starts_with("expires_at = "))
        .expect("an expires_at line")
        + 1;
    for bad in [
        "next tuesday",
        "2026-11-28 13:05:00",
        "2026-13-40T25:00:00Z",
        "",
    ] {
        let text: String = good
            .lines()
            .map(|l| {
                if l.starts_with("expires_at = ") {
                    format!("expires_at = \"{bad}\"\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        std::fs::write(&path, &text).expect("write");
        for args in [&["token"][..], &["refresh"], &["show"], &["revoke"]] {
            let e = w.run(args);
            assert_eq!(e.code, 6, "{bad:?} {args:?}: {}", e.stderr);
            assert!(
                e.stderr.contains(&format!("line {line}"))
                    && e.stderr.contains("is not an RFC 3339 time such as"),
                "{bad:?} {args:?}: {}",
                e.stderr
            );
            assert!(e.stdout.is_empty(), "{}", e.stdout);
            assert_eq!(
                std::fs::read_to_string(&path).expect("read"),
                text,
                "untouched"
            );
        }
    }
    assert_eq!(w.sandbox.stats().refreshes, 0, "nothing was sent to X");
}

#[test]
fn x_unreachable_is_its_own_exit_code_and_leaves_the_file_alone() {
    let w = World::new();
    w.logged_in("default");
    w.expire("default");
    let before = std::fs::read(w.profile("default")).expect("read");
    let e = w.run(&["token", "--api-base", "http://127.0.0.1:1"]);
    assert_eq!(e.code, 5, "{}", e.stderr);
    assert!(e.stderr.contains("Cannot reach X"));
    assert_eq!(std::fs::read(w.profile("default")).expect("read"), before);
}

#[test]
fn profiles_show_default_and_remove() {
    let w = World::new();
    w.logged_in("default");
    w.logged_in("bot");
    let e = w.run(&["profiles"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stdout.contains("* default"), "{}", e.stdout);
    assert!(e.stdout.contains("  bot"));
    assert!(
        e.stdout.contains("@sandbox_user")
            && e.stdout.contains("native")
            && e.stdout.contains("in 2 hours")
    );
    let j: serde_json::Value =
        serde_json::from_str(&w.run(&["profiles", "--json"]).stdout).expect("json");
    assert_eq!(j.as_array().map(Vec::len), Some(2));

    assert_eq!(w.run(&["default", "bot"]).code, 0);
    assert!(w.run(&["profiles"]).stdout.contains("* bot"));
    assert_eq!(w.run(&["token"]).stdout.trim(), access(&w, "bot"));
    assert_eq!(w.run(&["default", "ghost"]).code, 3);

    let secret = access(&w, "bot");
    let shown = w.run(&["show", "bot"]).stdout;
    assert!(!shown.contains(&secret), "masked by default");
    assert!(shown.contains(&format!("••••{}", &secret[secret.len() - 4..])));
    assert!(w.run(&["show", "bot", "--reveal"]).stdout.contains(&secret));
    assert!(!w.run(&["show", "bot", "--json"]).stdout.contains(&secret));

    let e = w.run(&["remove", "bot"]);
    assert_ne!(e.code, 0, "no terminal, no --yes: not removed");
    assert!(e.stderr.contains("--yes"));
    assert!(w.profile("bot").exists());
    assert_eq!(w.run(&["remove", "bot", "--yes"]).code, 0);
    assert!(!w.profile("bot").exists());
    assert_eq!(w.run(&["token", "bot"]).code, 3);
}

#[test]
fn a_web_app_revokes_with_its_secret() {
    let w = World::new();
    let secret = "S".repeat(50);
    w.sandbox
        .register_app(xconnect::sandbox::SandboxApp::confidential(
            ID,
            secret.clone(),
            [CALLBACK],
        ));
    let mut l = w.login(
        &["--client-id", ID, "--app-type", "web"],
        &[("XCONNECT_CLIENT_SECRET", &secret)],
    );
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    assert_eq!(l.end().code, 0);
    let old = access(&w, "default");
    let before = w.sandbox.stats().revocations;
    let e = w.run(&["revoke"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(w.sandbox.stats().revocations > before);
    assert!(!works(&w, &old));
    assert!(
        w.read("default")["app"]["client_secret"].as_str().is_some(),
        "the app settings stay"
    );
}

#[test]
fn a_world_readable_profile_gets_a_chmod_600_warning_and_is_left_as_it_is() {
    use std::os::unix::fs::PermissionsExt;
    let w = World::new();
    w.logged_in("default");
    let path = w.profile("default");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let before = std::fs::read(&path).expect("read");
    let e = w.run(&["token"]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.stderr.contains("chmod 600"), "{}", e.stderr);
    assert!(e.stderr.contains(&path.display().to_string()));
    assert_eq!(
        e.stdout.trim(),
        access(&w, "default"),
        "the token still comes"
    );
    assert_eq!(mode(&path), 0o644, "the mode is the person's to change");
    assert_eq!(std::fs::read(&path).expect("read"), before);
}

#[test]
fn without_a_utf8_locale_profiles_and_show_print_ascii_marks() {
    let w = World::new();
    w.logged_in("default");
    let env = [("LC_ALL", "C")];
    let listed = w.run_env(&["profiles"], &env);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert!(listed.stdout.is_ascii(), "{}", listed.stdout);
    // In a pipe nothing is cut (the terminal's width is not known there).
    assert!(
        !listed.stdout.contains("...") && listed.stdout.contains("media.write offline.access"),
        "the scopes whole: {}",
        listed.stdout
    );
    let shown = w.run_env(&["show"], &env);
    assert!(shown.stdout.is_ascii(), "{}", shown.stdout);
    assert!(
        shown.stdout.contains("access_token = \"****"),
        "{}",
        shown.stdout
    );
    // With UTF-8, the marks stay.
    let utf8 = w.run_env(&["show"], &[("LC_ALL", "C.UTF-8")]);
    assert!(
        utf8.stdout.contains("access_token = \"••••"),
        "{}",
        utf8.stdout
    );
}

#[test]
fn a_regenerated_client_secret_is_named_as_the_cause_and_the_fix_works() {
    let w = World::new();
    let old = "O".repeat(50);
    w.sandbox
        .register_app(xconnect::sandbox::SandboxApp::confidential(
            ID,
            old.clone(),
            [CALLBACK],
        ));
    let mut l = w.login(
        &["--client-id", ID, "--app-type", "web", "--profile", "bot"],
        &[("XCONNECT_CLIENT_SECRET", &old)],
    );
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    assert_eq!(l.end().code, 0);
    // In the portal the secret is regenerated: the saved one stops working.
    let new = "N".repeat(50);
    w.sandbox
        .register_app(xconnect::sandbox::SandboxApp::confidential(
            ID,
            new.clone(),
            [CALLBACK],
        ));
    w.expire("bot");
    let e = w.run(&["token", "bot"]);
    assert_eq!(e.code, 4, "{}", e.stderr);
    assert!(
        e.stderr.contains("If the secret was regenerated"),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr
            .contains("XCONNECT_CLIENT_SECRET=<the new secret> xconnect login --profile bot"),
        "{}",
        e.stderr
    );
    assert!(!e.stderr.contains(&old), "no secret in the message");
    // The advice works.
    let mut l = w.login(&["--profile", "bot"], &[("XCONNECT_CLIENT_SECRET", &new)]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    let done = l.end();
    assert_eq!(done.code, 0, "{}", done.stderr);
    assert_eq!(w.run(&["token", "bot"]).code, 0);
}
