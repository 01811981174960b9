//! The start menu shown when profiles exist.

mod common;

use common::*;
use crossterm::event::KeyCode;
use xconnect::profile::{AppSettings, AppType, Profile};
use xconnect::wizard::{Cmd, Model, Step};

fn saved(app_type: AppType, secret: Option<&str>) -> Profile {
    Profile {
        version: 1,
        app: AppSettings {
            client_id: CLIENT_ID.into(),
            client_secret: secret.map(String::from),
            app_type,
            callback_url: "http://127.0.0.1:8765/callback".into(),
            website_url: "https://example.com".into(),
            scopes: ["tweet.read", "users.read", "offline.access"]
                .map(String::from)
                .to_vec(),
        },
        account: None,
        token: None,
        endpoints: None,
        status: None,
        moved: None,
        origin: None,
    }
}

fn with_menu() -> Model {
    model().with_profiles(vec![
        ("bot".into(), saved(AppType::Web, Some(&"s".repeat(50)))),
        ("default".into(), saved(AppType::Native, None)),
    ])
}

#[test]
fn no_profiles_no_menu() {
    assert!(model().with_profiles(Vec::new()).menu.is_none());
}

#[test]
fn the_menu_lists_profiles_and_new_app_starts_the_wizard() {
    let mut m = with_menu();
    let screen = screen_text(&m);
    assert!(screen.contains("Welcome back"));
    assert!(screen.contains("Log in again: bot") && screen.contains("Log in again: default"));
    insta::assert_snapshot!("menu", draw(&m).backend());
    send(&mut m, [enter()]);
    assert!(m.menu.is_none());
    assert_eq!(m.step, Step::CreateApp);
    send(&mut m, [key(KeyCode::Esc)]);
    assert!(
        m.menu.is_some(),
        "Esc on the first step comes back to the menu"
    );
}

#[test]
fn logging_in_again_jumps_to_authorize_with_the_saved_settings() {
    let mut m = with_menu();
    let cmds = send(&mut m, [ch('j'), enter()]);
    assert_eq!(m.step, Step::Authorize);
    let [Cmd::CancelAuth, Cmd::PrepareAuth { settings, .. }] = &cmds[..] else {
        panic!("{cmds:?}");
    };
    assert_eq!(settings.client_id, CLIENT_ID);
    assert_eq!(settings.callback_url, "http://127.0.0.1:8765/callback");
    assert_eq!(
        settings.client_secret.as_ref().map(|s| s.expose().len()),
        Some(50)
    );
    assert_eq!(
        settings.scopes,
        ["tweet.read", "users.read", "offline.access"]
    );
    assert_eq!(m.credentials.profile.value(), "bot");
    assert_eq!(
        m.credentials.replace.as_deref(),
        Some("bot"),
        "replacing its own profile needs no question"
    );
    assert_eq!(m.urls.preset, 1, "the loopback preset is recognised");
}

#[test]
fn quit_from_the_menu() {
    let mut m = with_menu();
    assert_eq!(send(&mut m, [ch('q')]), vec![Cmd::Quit]);
    let mut m = with_menu();
    assert_eq!(send(&mut m, [ch('4'), enter()]), vec![Cmd::Quit]);
}

#[test]
fn ten_thousand_profiles_are_named_at_once_and_read_after_the_first_frame() {
    let names: Vec<(String, Option<Profile>)> =
        (1..=10_000).map(|i| (format!("p{i}"), None)).collect();
    let mut m = model().with_start(None, names);
    // The first frame names them; it draws only what fits, whatever their number.
    let screen = screen_text(&m);
    assert!(screen.contains("Log in again: p1 "), "{screen}");
    assert!(screen.contains("more"), "{screen}");
    let menu_lines = xconnect::wizard::view::build_body(&m, 78).lines.len();
    assert!(menu_lines < 24, "{menu_lines} lines for 10,000 profiles");
    // Then they are read, off the first frame.
    let cmds = xconnect::wizard::update::init(&m);
    let [Cmd::ReadProfiles(to_read)] = &cmds[..] else {
        panic!("{cmds:?}");
    };
    assert_eq!(to_read.len(), 10_000);
    // Enter on one not read yet does not go on without it.
    send(&mut m, [key(KeyCode::Down)]);
    assert!(send(&mut m, [enter()]).is_empty());
    assert!(m.menu.is_some());
    let read: Vec<(String, Option<Profile>)> = (1..=10_000)
        .map(|i| {
            (
                format!("p{i}"),
                (i != 2).then(|| saved(AppType::Native, None)),
            )
        })
        .collect();
    send(&mut m, [xconnect::wizard::Msg::ProfilesRead(read)]);
    let screen = screen_text(&m);
    assert!(
        screen.contains("could not be read"),
        "p2 is unreadable: {screen}"
    );
    // The window follows the cursor to the end of the list.
    send(&mut m, [key(KeyCode::End)]);
    for _ in 0..10_005 {
        send(&mut m, [key(KeyCode::Down)]);
    }
    let screen = screen_text(&m);
    assert!(screen.contains("› (•) 10002. Quit"), "{screen}");
    assert!(screen.contains("p10000"), "{screen}");
}

#[test]
fn a_sandbox_profile_is_never_sent_to_x() {
    let mut sandboxed = saved(AppType::Native, None);
    sandboxed.endpoints = Some(xconnect::profile::Endpoints {
        auth_base: "http://127.0.0.1:41234".into(),
        api_base: "http://127.0.0.1:41234".into(),
        sandbox: true,
    });
    let mut m = model().with_profiles(vec![("play".into(), sandboxed.clone())]);
    assert!(
        send(&mut m, [ch('j'), enter()]).is_empty(),
        "no link to x.com"
    );
    assert!(m.menu.is_some());
    let status = m
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("xconnect --sandbox"), "{status}");
    // In the sandbox it logs in again as usual.
    let mut m = model().with_profiles(vec![("play".into(), sandboxed)]);
    m.sandbox = true;
    send(&mut m, [ch('j'), enter()]);
    assert_eq!(m.step, Step::Authorize);
}
