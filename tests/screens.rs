//! Snapshots of every screen at 80×24 (and the too-small screen), as a person sees them.
//! New or changed snapshots are reviewed and committed; CI never writes them.

mod common;

use common::authorize::authorize_with;
use common::*;
use crossterm::event::KeyCode;
use xconnect::wizard::Msg;

fn snap(name: &str, m: &xconnect::wizard::Model) {
    let t = draw(m);
    insta::assert_snapshot!(name, t.backend());
}

#[test]
fn step1_create_app() {
    snap("step1_create_app", &model());
}

#[test]
fn step2_permissions() {
    let mut m = model();
    send(&mut m, [enter()]);
    snap("step2_permissions", &m);
    send(&mut m, [key(KeyCode::Tab), key(KeyCode::Down), ch(' ')]);
    snap("step2_permissions_scopes_focused", &m);
}

#[test]
fn step3_app_type() {
    let mut m = model();
    send(&mut m, [enter(), enter()]);
    snap("step3_app_type", &m);
}

#[test]
fn step4_urls() {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter()]);
    snap("step4_urls_latenode", &m);
    send(&mut m, [key(KeyCode::Tab), ctrl('u')]);
    type_text(&mut m, "http://example.com/callback");
    send(&mut m, [enter()]);
    snap("step4_urls_invalid", &m);
}

#[test]
fn step5_credentials() {
    let mut m = at_credentials();
    snap("step5_credentials_empty", &m);
    send(&mut m, [enter()]);
    snap("step5_credentials_refused", &m);
    send(&mut m, [Msg::Paste("abcdefghijklmnopqrstuvwxy".into())]);
    snap("step5_credentials_api_key_warning", &m);
}

#[test]
fn step5_credentials_confidential() {
    let mut m = model();
    send(&mut m, [enter(), enter(), ch('2'), enter(), enter()]);
    type_text(&mut m, CLIENT_ID);
    send(&mut m, [key(KeyCode::Tab), Msg::Paste("S".repeat(50))]);
    snap("step5_credentials_confidential_masked", &m);
}

/// The Authorize screen with a fixed link (a real one is random).
fn at_authorize() -> xconnect::wizard::Model {
    authorize_with(
        &format!("https://x.com/i/oauth2/authorize?response_type=code&client_id={CLIENT_ID}&state=STATE&code_challenge=CHALLENGE&code_challenge_method=S256"),
        "STATE",
    )
}

const GOOD_REDIRECT: &str = "https://app.latenode.com/redirected/index.html?state=STATE&code=abc";

#[test]
fn step6_authorize() {
    let mut m = at_authorize();
    snap("step6_authorize", &m);
    send(
        &mut m,
        [Msg::Paste(
            "https://app.latenode.com/redirected/index.html?state=OTHER&code=abc".into(),
        )],
    );
    snap("step6_authorize_wrong_state", &m);
    send(&mut m, [Msg::Paste(GOOD_REDIRECT.into())]);
    snap("step6_authorize_exchanging", &m);
}

/// Brings a wizard on Authorize through X's answers to the Done screen.
fn finish(m: &mut xconnect::wizard::Model) {
    let redirect = format!("{}?state=STATE&code=abc", m.urls.callback.value());
    send(m, [Msg::Paste(redirect)]);
    let op = m.auth.op;
    // X grants what was asked.
    let scope = m.permissions.scopes.join(" ");
    send(
        m,
        [Msg::Exchanged {
            op,
            result: Ok(xconnect::x::oauth::Tokens {
                access_token: xconnect::secret::Secret::new("ACCESS"),
                refresh_token: Some(xconnect::secret::Secret::new("REFRESH")),
                token_type: "bearer".into(),
                scope,
                expires_in: Some(std::time::Duration::from_secs(7200)),
            }),
        }],
    );
    send(
        m,
        [Msg::Verified {
            op,
            result: Ok(xconnect::x::users::Account {
                id: "1".into(),
                username: "sandbox_user".into(),
                name: "Sandbox User".into(),
            }),
            at: xconnect::timefmt::now(),
        }],
    );
    send(
        m,
        [Msg::Saved {
            op,
            result: Ok("/home/me/.config/xconnect/profiles/default.toml".into()),
        }],
    );
    assert_eq!(m.step, xconnect::wizard::Step::Done);
    // The expiry is relative to now: fix it for the snapshot.
    if let Some(t) = m.outcome.as_mut().and_then(|o| o.profile.token.as_mut()) {
        t.expires_at = time::macros::datetime!(2026-11-28 13:05 UTC);
    }
}

/// The screen with the relative expiry cut off.
fn done_screen(m: &xconnect::wizard::Model) -> String {
    let screen = screen_text(m);
    assert!(
        !screen.contains("ACCESS") && !screen.contains("REFRESH"),
        "no token on screen"
    );
    screen
        .lines()
        .map(|l| match l.find("2026-11-28T13:05:00Z (") {
            Some(i) => l[..i + "2026-11-28T13:05:00Z".len()].to_string(),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn step7_done() {
    let mut m = at_authorize();
    finish(&mut m);
    let screen = done_screen(&m);
    assert!(screen.contains("Connected to X as @sandbox_user (Sandbox User)."));
    assert!(screen.contains("Last step, in Latenode"), "{screen}");
    insta::assert_snapshot!("step7_done", screen);
}

const WEB_SECRET: &str = "s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-s3cr3t_-ab";

/// On Authorize for a Web App (a Client Secret) with the loopback callback.
fn at_authorize_web() -> xconnect::wizard::Model {
    let mut m = model();
    // Permissions, then Web App, then the loopback preset.
    send(&mut m, [enter(), enter(), key(KeyCode::Down), enter()]);
    send(&mut m, [key(KeyCode::Down), enter()]);
    type_text(&mut m, CLIENT_ID);
    send(&mut m, [key(KeyCode::Tab)]);
    type_text(&mut m, WEB_SECRET);
    send(&mut m, [enter()]);
    send(
        &mut m,
        [Msg::ProfileChecked {
            name: "default".into(),
            exists: false,
        }],
    );
    assert_eq!(m.step, xconnect::wizard::Step::Authorize);
    let op = m.auth.op;
    send(
        &mut m,
        [Msg::AuthReady {
            op,
            result: Ok(xconnect::x::oauth::Pending {
                url: "http://127.0.0.1:1/i/oauth2/authorize?state=STATE".into(),
                state: "STATE".into(),
                verifier: xconnect::secret::Secret::new("V"),
            }),
        }],
    );
    m
}

#[test]
fn step7_done_web_app_hands_off_a_masked_secret() {
    let mut m = at_authorize_web();
    finish(&mut m);
    let screen = done_screen(&m);
    assert!(
        !screen.contains(WEB_SECRET),
        "masked until shown:\n{screen}"
    );
    insta::assert_snapshot!("step7_done_web_app", screen);
    // The hand-off's values, each a key away from the clipboard; the secret copies unseen.
    let copied = |m: &mut xconnect::wizard::Model| match &send(m, [ch('c')])[..] {
        [xconnect::wizard::Cmd::Copy { what, text }] => (what.clone(), text.clone()),
        other => panic!("expected one copy, got {other:?}"),
    };
    assert_eq!(
        copied(&mut m),
        (
            "Profile path".into(),
            "/home/me/.config/xconnect/profiles/default.toml".into()
        )
    );
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(copied(&mut m), ("Client ID".into(), CLIENT_ID.into()));
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(copied(&mut m), ("Client Secret".into(), WEB_SECRET.into()));
    assert!(
        !screen_text(&m).contains(WEB_SECRET),
        "copying does not show it"
    );
    assert!(
        send(&mut m, [ch('p')]).is_empty(),
        "printing needs Ctrl-R first"
    );
    assert!(m.status.as_ref().is_some_and(|s| s.text.contains("Ctrl-R")));
    send(&mut m, [ctrl('r')]);
    assert!(screen_text(&m).contains(WEB_SECRET), "Ctrl-R shows it");
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(copied(&mut m).0, "Profile path", "Tab goes round");
}

#[test]
fn step7_done_names_scopes_x_left_out() {
    let mut m = at_authorize();
    finish(&mut m);
    if let Some(t) = m.outcome.as_mut().and_then(|o| o.profile.token.as_mut()) {
        t.scope = "tweet.read users.read offline.access".into();
    }
    let screen = screen_text(&m);
    assert!(
        screen.contains("! X granted fewer scopes than asked: missing tweet.write,"),
        "{screen}"
    );
    assert!(
        screen.contains("set App permissions to Read and write"),
        "{screen}"
    );
}

#[test]
fn overlays() {
    let mut m = model();
    send(&mut m, [ch('?')]);
    snap("overlay_help", &m);
    let mut m = model();
    send(&mut m, [enter(), ch('1'), ch('q')]);
    snap("overlay_confirm_quit", &m);
}

#[test]
fn too_small_and_back() {
    let mut m = model();
    send(&mut m, [Msg::Resize(59, 19)]);
    snap("too_small", &m);
    send(&mut m, [Msg::Resize(80, 24)]);
    snap("step1_create_app", &m);
}

#[test]
fn smallest_supported_size_scrolls_instead_of_clipping() {
    let mut m = model();
    send(&mut m, [Msg::Resize(60, 20), enter()]);
    snap("step2_permissions_60x20", &m);
}

/// Step 4 as drawn at 80×24, down to the last line with text, trailing spaces cut.
fn step4_as_drawn() -> String {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter()]);
    let screen = screen_text(&m);
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    let last = lines
        .iter()
        .take(21)
        .rposition(|l| !l.is_empty())
        .unwrap_or(0);
    lines[..=last].join("\n")
}

#[test]
fn the_readme_s_step_4_is_what_is_drawn() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- step4 -->")
        .expect("the README marks its mock-up");
    let end = readme.find("<!-- /step4 -->").expect("end mark");
    let block = readme[start..end]
        .trim_start_matches("<!-- step4 -->")
        .trim()
        .trim_start_matches("```text")
        .trim_end_matches("```")
        .trim_matches('\n');
    let drawn = step4_as_drawn();
    assert_eq!(block, drawn, "README's step 4 should read:\n{drawn}");
}

#[test]
fn step1_both_places_at_80x24_and_60x20() {
    for (size, tag) in [((80, 24), ""), ((60, 20), "_60x20")] {
        let mut m = model();
        send(&mut m, [Msg::Resize(size.0, size.1)]);
        snap(&format!("step1_portal{tag}"), &m);
        send(&mut m, [key(KeyCode::Down)]);
        snap(&format!("step1_console{tag}"), &m);
    }
}

/// Every word of the Done screen (drawn tall enough to hold it all), lines joined, a command
/// that goes on over lines (` \` at a line's end) read as a shell reads it.
fn done_words(m: &mut xconnect::wizard::Model) -> String {
    send(m, [Msg::Resize(80, 70)]);
    let words = screen_text(m)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" \\ ", " ");
    send(m, [Msg::Resize(80, 24)]);
    words
}

const PROVED: &str = "proved this app's settings";

#[test]
fn step7_done_in_the_sandbox_says_the_values_are_the_sandbox_s() {
    let mut m = at_authorize();
    m.sandbox = true;
    m.endpoints.sandbox = true;
    finish(&mut m);
    let words = done_words(&mut m);
    assert!(!words.contains(PROVED), "{words}");
    assert!(!words.contains("will go through"), "{words}");
    assert!(words.contains("These values are the sandbox's"), "{words}");
    assert!(
        words.contains("set up the real app at X the same way"),
        "{words}"
    );
}

#[test]
fn step7_done_after_a_short_grant_or_an_api_key_claims_no_proof() {
    let mut m = at_authorize();
    finish(&mut m);
    assert!(done_words(&mut m).contains(PROVED), "a full grant is proof");
    if let Some(t) = m.outcome.as_mut().and_then(|o| o.profile.token.as_mut()) {
        t.scope = "tweet.read users.read offline.access".into();
    }
    let words = done_words(&mut m);
    assert!(!words.contains(PROVED), "{words}");
    assert!(
        words.contains(
            "This login did not prove the app's settings: X granted fewer scopes than asked"
        ),
        "{words}"
    );

    // A Client ID the wizard flagged as the OAuth 1.0a API Key (25 characters).
    let mut m = at_authorize();
    m.credentials.client_id.set("abcdefghijklmnopqrstuvwxy");
    finish(&mut m);
    let words = done_words(&mut m);
    assert!(!words.contains(PROVED), "{words}");
    assert!(
        words.contains("the Client ID looks like an OAuth 1.0a API Key"),
        "{words}"
    );
}

#[test]
fn step7_done_says_what_to_do_with_latenode_s_client_secret_field() {
    let mut m = at_authorize();
    finish(&mut m);
    let words = done_words(&mut m);
    assert!(words.contains("Client Secret leave it empty"), "{words}");
    assert!(words.contains("Web App, Automated App or Bot"), "{words}");
    assert!(
        words.contains(&format!(
            "XCONNECT_CLIENT_SECRET=… xconnect login --profile default --force --app-type web --client-id {CLIENT_ID}"
        )),
        "{words}"
    );
    assert!(
        words.contains("X (Twitter) connection"),
        "where the form is: {words}"
    );
    assert!(words.contains("confirm"), "{words}");
}

#[test]
fn step5_a_long_status_wraps_whole_at_80x24_and_60x20() {
    for (size, tag) in [((80, 24), ""), ((60, 20), "_60x20")] {
        let mut m = at_credentials();
        send(
            &mut m,
            [
                Msg::Resize(size.0, size.1),
                Msg::Paste("abcdefghijklmnopqrstuvwxy".into()),
                enter(),
            ],
        );
        snap(&format!("step5_credentials_enter_again{tag}"), &m);
    }
}

#[test]
fn step7_done_in_store_mode_shows_commands_with_the_store_setting() {
    const SHOWN: &str = "postgres://bot:***@db.example:5432/xc?sslmode=verify-full";
    let mut m = at_authorize();
    m.store_label = Some("db.example:5432/xc".into());
    m.store_address = Some(SHOWN.into());
    finish(&mut m);
    let words = done_words(&mut m);
    // The address whole on a row of its own; the commands say they need it.
    assert!(words.contains(&format!("Store {SHOWN}")), "{words}");
    assert!(
        words.contains("XCONNECT_STORE=… xconnect api /2/users/me --profile default"),
        "{words}"
    );
    assert!(
        words.contains("$(XCONNECT_STORE=… xconnect token default)"),
        "{words}"
    );
    assert!(!words.contains("$(xconnect token"), "{words}");
    assert!(
        words.contains("never shown"),
        "the password is not: {words}"
    );
}

/// The body's lines as text, for a terminal `cols` wide (the body is two columns narrower).
fn body_rows(m: &xconnect::wizard::Model, cols: u16) -> Vec<String> {
    xconnect::wizard::view::build_body(m, cols - 2)
        .lines
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

/// Each value is on one row of the body, whole, at 60 and 80 columns.
fn assert_whole(m: &mut xconnect::wizard::Model, what: &str, values: &[&str]) {
    for (cols, rows) in [(60, 20), (80, 24)] {
        send(m, [Msg::Resize(cols, rows)]);
        let body = body_rows(m, cols);
        for v in values {
            assert!(
                body.iter().any(|r| r.contains(v)),
                "{what} at {cols}x{rows}: {v} is not whole:\n{}",
                body.join("\n")
            );
            for r in &body {
                assert!(r.chars().count() <= usize::from(cols - 2), "wider: {r}");
            }
        }
    }
}

const LATENODE: [&str; 2] = [
    "https://app.latenode.com/redirected/index.html",
    "https://app.latenode.com/connections",
];
const LOOPBACK: [&str; 2] = ["http://127.0.0.1:8765/callback", "https://example.com"];
const CUSTOM: [&str; 2] = [
    "https://hooks.example.com/oauth2/x/callback",
    "https://www.example.com/about",
];

#[test]
fn every_value_to_enter_at_x_is_whole_at_60_and_80_columns() {
    // Step 1: the place's address.
    let mut m = model();
    assert_whole(
        &mut m,
        "step 1",
        &["https://developer.x.com/en/portal/dashboard"],
    );
    // Step 4 with each preset, whichever field has the focus.
    let mut m = model();
    send(&mut m, [enter(), enter(), enter()]);
    for (pick, values) in [('1', LATENODE), ('2', LOOPBACK)] {
        send(&mut m, [ch(pick)]);
        for _ in 0..3 {
            assert_whole(&mut m, &format!("step 4, preset {pick}"), &values);
            send(&mut m, [key(KeyCode::Tab)]);
        }
    }
    send(&mut m, [ch('3'), key(KeyCode::Tab), ctrl('u')]);
    type_text(&mut m, CUSTOM[0]);
    send(&mut m, [key(KeyCode::Tab), ctrl('u')]);
    type_text(&mut m, CUSTOM[1]);
    assert_whole(&mut m, "step 4, custom", &CUSTOM);
    send(&mut m, [key(KeyCode::Tab)]);
    assert_whole(&mut m, "step 4, custom", &CUSTOM);
    // Step 5: the Client ID.
    send(&mut m, [enter()]);
    type_text(&mut m, CLIENT_ID);
    assert_whole(&mut m, "step 5", &[CLIENT_ID]);
}

#[test]
fn every_value_to_copy_on_done_is_whole_at_60_and_80_columns() {
    let mut m = at_authorize();
    finish(&mut m);
    let path = "/home/me/.config/xconnect/profiles/default.toml";
    assert_whole(&mut m, "done", &[path, CLIENT_ID]);
    let mut m = at_authorize_web();
    finish(&mut m);
    assert_whole(&mut m, "done, web app", &[path, CLIENT_ID, LOOPBACK[0]]);
}

/// The start menu offering to resume a setup that stopped on Authorize.
fn menu_with_resume() -> xconnect::wizard::Model {
    let mut left = at_authorize();
    left.step = xconnect::wizard::Step::Authorize;
    let session = left.session();
    model().with_start(Some(session), Vec::new())
}

#[test]
fn the_menu_says_whole_what_resuming_fills_in_at_60_and_80_columns() {
    let mut m = menu_with_resume();
    let Some(resume) = m.menu.as_ref().and_then(|menu| menu.resume.clone()) else {
        panic!("a session to resume");
    };
    let restores = xconnect::wizard::resume::restores(&resume);
    assert!(restores.contains("Enter makes a new link"), "{restores}");
    for (size, tag) in [((80, 24), ""), ((60, 20), "_60x20")] {
        send(&mut m, [Msg::Resize(size.0, size.1)]);
        let words = body_rows(&m, size.0)
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(!words.contains('…'), "cut at {size:?}: {words}");
        assert!(words.contains(&restores), "at {size:?}: {words}");
        snap(&format!("menu_resume{tag}"), &m);
    }
}

#[test]
fn step4_each_preset_at_60x20_and_80x24() {
    for (size, tag) in [((80, 24), ""), ((60, 20), "_60x20")] {
        let mut m = model();
        send(
            &mut m,
            [Msg::Resize(size.0, size.1), enter(), enter(), enter()],
        );
        for (pick, name) in [('1', "latenode"), ('2', "loopback")] {
            send(&mut m, [ch(pick), key(KeyCode::Tab)]);
            snap(&format!("step4_{name}_callback{tag}"), &m);
            send(&mut m, [key(KeyCode::BackTab)]);
        }
        send(&mut m, [ch('3'), key(KeyCode::Tab), ctrl('u')]);
        type_text(&mut m, CUSTOM[0]);
        snap(&format!("step4_custom_callback{tag}"), &m);
    }
}
