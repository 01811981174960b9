//! What a finished login tells the person: the guide's last step (the app's values for the
//! service's own authorization form) and any scope X left out, on stderr; stdout keeps the
//! profile's path alone. `show` repeats the scope problems.

mod common;

use common::cli::*;
use xconnect::sandbox::SandboxApp;
use xconnect::x::Permission;

/// A login with `args`, approved in the emulator.
fn login(w: &World, args: &[&str], env: &[(&str, &str)]) -> Ended {
    let mut l = w.login(args, env);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    l.end()
}

#[test]
fn a_latenode_login_ends_with_the_hand_off_on_stderr() {
    let w = World::new();
    let e = login(&w, &["--client-id", ID], &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert_eq!(e.stdout, format!("{}\n", w.profile("default").display()));
    assert!(
        e.stderr.contains(
            "Last step, in Latenode: open the X (Twitter) connection's authorization (where a scenario's X node asks for one), enter these values there, then confirm the login it opens at X"
        ),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains(&format!("  Client ID      {ID}")),
        "{}",
        e.stderr
    );
    assert!(e
        .stderr
        .contains("X issues no Client Secret to a Native App"));
    assert!(e.stderr.contains("so Latenode's own login will go through"));
    assert!(e.stderr.contains("Latenode keeps its own tokens"));
    // A Native App has no secret: the field stays empty, and a form that insists gets the
    // confidential path with the login that proves it.
    assert!(
        e.stderr.contains("  Client Secret  leave it empty"),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains("Web App, Automated App or Bot"),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains(&format!(
            "XCONNECT_CLIENT_SECRET=… xconnect login --profile default --force --app-type web --client-id {ID}"
        )),
        "{}",
        e.stderr
    );
    assert!(!e.stderr.contains("warning:"), "a full grant: {}", e.stderr);
}

#[test]
fn a_web_app_s_hand_off_names_its_secret_masked() {
    let w = World::new();
    let secret = "S".repeat(46) + "tail";
    w.sandbox
        .register_app(SandboxApp::confidential(ID, secret.clone(), [CALLBACK]));
    let e = login(
        &w,
        &["--client-id", ID, "--app-type", "web", "--profile", "bot"],
        &[("XCONNECT_CLIENT_SECRET", &secret)],
    );
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stderr
            .contains("  Client Secret  ••••tail (xconnect show bot --reveal prints it)"),
        "{}",
        e.stderr
    );
    assert!(!e.stderr.contains(&secret));
}

#[test]
fn a_read_only_app_gets_each_missing_scope_and_the_portal_fix() {
    let w = World::new();
    w.sandbox
        .register_app(SandboxApp::public(ID, [CALLBACK]).with_permission(Permission::Read));
    let e = login(&w, &["--client-id", ID, "--profile", "ro"], &[]);
    assert_eq!(e.code, 0, "the login itself works: {}", e.stderr);
    let fix = "set App permissions to Read and write in User authentication settings, Save, then log in again: xconnect login --profile ro";
    assert!(e.stderr.contains("warning: X granted fewer scopes than asked: missing tweet.write, follows.write, like.write"), "{}", e.stderr);
    assert!(e.stderr.contains(fix), "{}", e.stderr);

    let show = w.run(&["show", "ro"]);
    assert_eq!(show.code, 0, "{}", show.stderr);
    assert!(
        show.stderr.contains("missing tweet.write"),
        "{}",
        show.stderr
    );
    assert!(show.stderr.contains(fix), "{}", show.stderr);
    assert!(
        !show.stdout.contains("warning"),
        "stdout keeps the profile alone"
    );
}

#[test]
fn no_offline_access_says_the_profile_stops_after_2_hours() {
    let w = World::new();
    let e = login(
        &w,
        &["--client-id", ID, "--scopes", "tweet.read users.read"],
        &[],
    );
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stderr.contains("No refresh token (offline.access was not asked for): the profile stops working when the access token expires, 2 hours after the login"),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains(
            "xconnect login --profile default --scopes \"tweet.read users.read offline.access\""
        ),
        "{}",
        e.stderr
    );
    let show = w.run(&["show"]);
    assert!(show.stderr.contains("2 hours"), "{}", show.stderr);
}

#[test]
fn a_loopback_login_names_the_values_a_form_asks_for() {
    let w = World::new();
    let cb = "http://127.0.0.1:1/callback";
    w.sandbox.register_app(SandboxApp::public(ID, [cb]));
    let mut l = w.login(&["--client-id", ID, "--callback-url", cb], &[]);
    let link = l.link();
    let redirect = w.rt.block_on(w.sandbox.approve(&link)).expect("approve");
    l.type_line(&redirect);
    let e = l.end();
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stderr.contains(
            "To connect a service to this app: its authorization form asks for these values:"
        ),
        "{}",
        e.stderr
    );
    assert!(
        e.stderr.contains(&format!("  Callback URL   {cb}")),
        "{}",
        e.stderr
    );
    assert!(!e.stderr.contains("Latenode"), "{}", e.stderr);
}

/// The sentence that says the settings were proved, and the words that take its place.
const PROVED: &str = "proved this app's settings";
const NOT_PROVED: &str = "This login did not prove the app's settings";

#[test]
fn a_short_grant_s_hand_off_does_not_claim_the_settings_were_proved() {
    let w = World::new();
    w.sandbox
        .register_app(SandboxApp::public(ID, [CALLBACK]).with_permission(Permission::Read));
    let e = login(&w, &["--client-id", ID, "--profile", "ro"], &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(
        e.stderr.contains("X granted fewer scopes than asked"),
        "{}",
        e.stderr
    );
    assert!(!e.stderr.contains(PROVED), "{}", e.stderr);
    assert!(!e.stderr.contains("will go through"), "{}", e.stderr);
    assert!(
        e.stderr
            .contains(&format!("{NOT_PROVED}: X granted fewer scopes than asked")),
        "{}",
        e.stderr
    );
}

#[test]
fn an_api_key_shaped_client_id_is_not_called_proved() {
    let w = World::new();
    let key = "abcdefghijklmnopqrstuvwxy";
    w.sandbox.register_app(SandboxApp::public(key, [CALLBACK]));
    let e = login(&w, &["--client-id", key], &[]);
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(!e.stderr.contains(PROVED), "{}", e.stderr);
    assert!(
        e.stderr.contains(&format!(
            "{NOT_PROVED}: the Client ID looks like an OAuth 1.0a API Key"
        )),
        "{}",
        e.stderr
    );
}
