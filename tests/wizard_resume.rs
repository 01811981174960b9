//! Resuming an interrupted setup: what is remembered (never a secret) and when.

mod common;

use common::authorize::*;
use common::*;
use crossterm::event::KeyCode;
use xconnect::wizard::{resume, Cmd, Msg, Step};
use xconnect::x::AppType;

fn sessions(cmds: &[Cmd]) -> Vec<xconnect::session::Session> {
    cmds.iter()
        .filter_map(|c| match c {
            Cmd::SaveSession(s) => Some((**s).clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_step_change_is_remembered_without_secrets() {
    let mut m = model();
    assert!(sessions(&send_all(&mut m, [ch('q')])).is_empty() || m.quit);
    let mut m = model();
    let s = sessions(&send_all(&mut m, [enter()]));
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].step, "permissions");
    send(&mut m, [enter(), ch('2'), enter(), enter()]);
    assert_eq!(m.step, Step::Credentials);
    type_text(&mut m, CLIENT_ID);
    send(
        &mut m,
        [key(KeyCode::Tab), Msg::Paste("topsecret".repeat(6))],
    );
    let s = sessions(&send_all(&mut m, [key(KeyCode::Esc)]));
    assert_eq!(s[0].step, "urls");
    assert_eq!(s[0].client_id, CLIENT_ID);
    assert_eq!(s[0].app_type, AppType::Web);
    let text = toml::to_string(&s[0]).expect("toml");
    assert!(
        text.contains("app_type = \"web\"\n"),
        "the file's word: {text}"
    );
    assert!(
        !text.contains("topsecret"),
        "no secret in the session: {text}"
    );
    // Typing inside a step is not a step change.
    assert!(sessions(&send_all(&mut m, [ch('x')])).is_empty());
}

#[test]
fn resume_puts_values_back_and_stops_before_authorize() {
    let mut m = model();
    send(
        &mut m,
        [enter(), enter(), ch('2'), enter(), ch('2'), enter()],
    );
    type_text(&mut m, CLIENT_ID);
    m.step = Step::Authorize;
    let s = m.session();
    let mut fresh = model().with_start(Some(s), Vec::new());
    let screen = screen_text(&fresh);
    assert!(screen.contains("Resume where it stopped"), "{screen}");
    assert!(screen.contains("step 5 · Credentials"));
    send(&mut fresh, [enter()]);
    assert_eq!(fresh.step, Step::Credentials);
    assert_eq!(fresh.app_type, AppType::Web);
    assert_eq!(fresh.credentials.client_id.value(), CLIENT_ID);
    assert_eq!(
        fresh.urls.callback.value(),
        "http://127.0.0.1:8765/callback"
    );
    assert_eq!(fresh.urls.preset, 1);
    assert!(
        fresh.credentials.secret.is_empty(),
        "secrets are never kept"
    );
}

#[test]
fn a_saved_profile_clears_the_session_and_new_app_starts_over() {
    let mut m = model().with_start(Some(model().session()), Vec::new());
    let cmds = send_all(&mut m, [ch('j'), enter()]);
    assert!(cmds.contains(&Cmd::ClearSession), "{cmds:?}");
    assert_eq!(m.step, Step::CreateApp);

    let mut m = ready();
    let op = exchanged_and_proved(&mut m, Err(xconnect::x::XError::Timeout));
    let cmds = send(
        &mut m,
        [Msg::Saved {
            op,
            result: Ok("/p".into()),
        }],
    );
    assert!(cmds.contains(&Cmd::ClearSession));
}

#[test]
fn the_countdown_runs_on_ticks_while_exchanging() {
    let mut m = ready();
    m.timeout_secs = 20;
    send(&mut m, [Msg::Paste(good_redirect())]);
    assert!(
        screen_text(&m).contains("gives up in 20 s"),
        "{}",
        screen_text(&m)
    );
    send(&mut m, std::iter::repeat_n(Msg::Tick, 12));
    assert!(
        screen_text(&m).contains("gives up in 17 s"),
        "{}",
        screen_text(&m)
    );
}

#[test]
fn the_menu_says_exactly_what_resuming_restores() {
    // A Native App left on Authorize: no secret to ask for, and a new link on Enter.
    let m = ready();
    let s = m.resumable().expect("resumable");
    assert_eq!(
        resume::restores(&s),
        "step 5 · Credentials, Client ID filled in; Enter makes a new link"
    );
    // A Web App: its secret is asked again.
    let mut w = model();
    send(&mut w, [enter(), enter(), ch('2'), enter(), enter()]);
    type_text(&mut w, CLIENT_ID);
    let s = w.resumable().expect("resumable");
    assert_eq!(
        resume::restores(&s),
        "step 5 · Credentials, Client ID filled in; the Client Secret is asked again"
    );
    // Step 1 and a finished login leave nothing to resume.
    assert!(model().resumable().is_none());
}
