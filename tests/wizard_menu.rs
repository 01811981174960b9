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
