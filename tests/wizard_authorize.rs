//! The Authorize and Done steps of the pure state machine: every path, no I/O.

mod common;

use common::authorize::*;
use common::*;
use crossterm::event::KeyCode;
use xconnect::wizard::model::{Focus, Overlay, Phase, SaveFailure};
use xconnect::wizard::{Cmd, Msg, Step};
use xconnect::x::XError;

#[test]
fn a_paste_is_exchanged_at_once_without_enter() {
    let mut m = ready();
    let cmds = send(&mut m, [Msg::Paste(format!("{CB}?state=S&code=C"))]);
    assert!(
        matches!(&cmds[..], [Cmd::Exchange { code, verifier, .. }] if code.expose() == "C" && verifier.expose() == "V")
    );
    assert_eq!(m.auth.phase, Phase::Exchanging);
    assert!(m.busy());
}

#[test]
fn typed_address_and_enter_work_too() {
    let mut m = ready();
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::RedirectPaste);
    type_text(&mut m, "state=S&code=C");
    let cmds = send(&mut m, [enter()]);
    assert!(matches!(&cmds[..], [Cmd::Exchange { .. }]));
}

#[test]
fn wrong_state_denied_and_no_code_each_say_what_to_do_and_allow_a_retry() {
    let mut m = ready();
    for (paste, says) in [
        (format!("{CB}?state=X&code=C"), "another login attempt"),
        (format!("{CB}?error=access_denied&state=S"), "Cancel"),
        (format!("{CB}?state=S"), "no code="),
        (
            "https://evil.example/cb?state=S&code=C".to_string(),
            "not to the callback URL",
        ),
    ] {
        let cmds = send(&mut m, [Msg::Paste(paste)]);
        assert!(cmds.is_empty());
        assert!(
            matches!(&m.auth.phase, Phase::Failed(msg) if msg.contains(says)),
            "{:?}",
            m.auth.phase
        );
    }
    let cmds = send(&mut m, [Msg::Paste(format!("{CB}?state=S&code=C"))]);
    assert!(
        matches!(&cmds[..], [Cmd::Exchange { .. }]),
        "a new paste retries"
    );
}

#[test]
fn a_failed_exchange_explains_and_the_next_paste_retries() {
    let mut m = ready();
    send(&mut m, [Msg::Paste(format!("{CB}?state=S&code=C"))]);
    let op = m.auth.op;
    send(
        &mut m,
        [Msg::Exchanged {
            op,
            result: Err(XError::CodeInvalid),
        }],
    );
    assert!(matches!(&m.auth.phase, Phase::Failed(msg) if msg.contains("30 seconds")));
    assert!(!m.busy());
    let cmds = send(&mut m, [Msg::Paste(format!("{CB}?state=S&code=D"))]);
    assert!(matches!(&cmds[..], [Cmd::Exchange { code, .. }] if code.expose() == "D"));
}

#[test]
fn esc_cancels_a_running_exchange_and_its_late_answer_is_ignored() {
    let mut m = ready();
    send(&mut m, [Msg::Paste(format!("{CB}?state=S&code=C"))]);
    let cmds = send(&mut m, [key(KeyCode::Esc)]);
    assert_eq!(cmds, vec![Cmd::CancelAuth]);
    assert_eq!(m.auth.phase, Phase::Waiting);
    assert_eq!(m.step, Step::Authorize, "Esc cancelled, it did not go back");
    let op = m.auth.op;
    send(
        &mut m,
        [Msg::Exchanged {
            op,
            result: Ok(tokens()),
        }],
    );
    assert_eq!(m.auth.phase, Phase::Waiting);
    assert!(m.auth.tokens.is_none());
}

#[test]
fn answers_of_an_older_attempt_are_ignored() {
    let mut m = ready();
    let old = m.auth.op;
    let cmds = send(&mut m, [ch('n')]);
    assert!(matches!(&cmds[..], [Cmd::CancelAuth, Cmd::PrepareAuth { op, .. }] if *op == old + 1));
    send(
        &mut m,
        [Msg::Redirected {
            op: old,
            url: format!("{CB}?state=S&code=C"),
        }],
    );
    assert_eq!(
        m.auth.phase,
        Phase::Preparing,
        "the old listener's redirect is ignored"
    );
}

#[test]
fn success_verifies_saves_and_shows_done() {
    let mut m = ready();
    send(&mut m, [Msg::Paste(format!("{CB}?state=S&code=C"))]);
    let op = m.auth.op;
    let cmds = send(
        &mut m,
        [Msg::Exchanged {
            op,
            result: Ok(tokens()),
        }],
    );
    assert!(
        matches!(&cmds[..], [Cmd::CancelAuth, Cmd::Verify { access_token, .. }] if access_token.expose() == "A")
    );
    let cmds = send(
        &mut m,
        [Msg::Verified {
            op,
            result: Ok(me()),
            at: xconnect::timefmt::now(),
        }],
    );
    let [Cmd::Save {
        name,
        profile,
        overwrite,
        ..
    }] = &cmds[..]
    else {
        panic!("{cmds:?}");
    };
    assert_eq!(name, "default");
    assert!(!overwrite);
    assert_eq!(
        profile.token.as_ref().map(|t| t.access_token.as_str()),
        Some("A")
    );
    assert_eq!(profile.account.as_ref().map(|a| a.verified), Some(true));
    send(
        &mut m,
        [Msg::Saved {
            op,
            result: Ok("/p/default.toml".into()),
        }],
    );
    assert_eq!(m.step, Step::Done);
    assert!(screen_text(&m).contains("@u (U)"));
    assert_eq!(send(&mut m, [enter()]), vec![Cmd::Quit]);
}

#[test]
fn not_enrolled_still_saves_the_tokens_unverified() {
    let mut m = ready();
    send(&mut m, [Msg::Paste(format!("{CB}?state=S&code=C"))]);
    let op = m.auth.op;
    send(
        &mut m,
        [Msg::Exchanged {
            op,
            result: Ok(tokens()),
        }],
    );
    let cmds = send(
        &mut m,
        [Msg::Verified {
            op,
            result: Err(XError::NotEnrolled),
            at: xconnect::timefmt::now(),
        }],
    );
    let [Cmd::Save { profile, .. }] = &cmds[..] else {
        panic!("{cmds:?}");
    };
    let account = profile.account.clone().expect("account");
    assert!(!account.verified);
    assert!(account.note.is_some_and(|n| n.contains("Project")));
    send(
        &mut m,
        [Msg::Saved {
            op,
            result: Ok("/p/default.toml".into()),
        }],
    );
    let screen = screen_text(&m);
    assert!(screen.contains("unverified"), "{screen}");
}

#[test]
fn an_existing_profile_is_replaced_only_after_yes() {
    let mut m = at_credentials();
    type_text(&mut m, CLIENT_ID);
    send(
        &mut m,
        [
            enter(),
            Msg::ProfileChecked {
                name: "default".into(),
                exists: true,
            },
        ],
    );
    assert_eq!(m.overlay, Some(Overlay::ConfirmReplace));
    assert!(screen_text(&m).contains("Replace it"));
    send(&mut m, [ch('n')]);
    assert_eq!(m.step, Step::Credentials);
    assert_eq!(m.focus, Focus::ProfileName);
    send(
        &mut m,
        [
            enter(),
            Msg::ProfileChecked {
                name: "default".into(),
                exists: true,
            },
        ],
    );
    let cmds = send(&mut m, [ch('y')]);
    assert_eq!(m.step, Step::Authorize);
    assert!(matches!(
        &cmds[..],
        [Cmd::CancelAuth, Cmd::PrepareAuth { .. }]
    ));
    assert_eq!(m.credentials.replace.as_deref(), Some("default"));
}

#[test]
fn a_profile_that_appears_meanwhile_is_asked_about() {
    let mut m = ready();
    let op = exchanged_and_proved(&mut m, Ok(me()));
    send(
        &mut m,
        [Msg::Saved {
            op,
            result: Err(SaveFailure::Exists),
        }],
    );
    assert_eq!(m.overlay, Some(Overlay::ConfirmReplace));
    let cmds = send(&mut m, [ch('y')]);
    assert!(matches!(
        &cmds[..],
        [Cmd::Save {
            overwrite: true,
            ..
        }]
    ));
}

#[test]
fn a_failed_save_keeps_the_token_and_s_saves_again() {
    let mut m = ready();
    let op = exchanged_and_proved(&mut m, Ok(me()));
    send(
        &mut m,
        [Msg::Saved {
            op,
            result: Err(SaveFailure::Other("disk full".into())),
        }],
    );
    assert!(
        matches!(&m.auth.phase, Phase::Failed(msg) if msg.contains("disk full") && msg.contains("press s"))
    );
    let cmds = send(&mut m, [ch('s')]);
    assert!(matches!(&cmds[..], [Cmd::Save { .. }]));
}

#[test]
fn browser_only_where_one_can_open_and_sandbox_approval_only_in_the_sandbox() {
    let mut m = ready();
    assert!(send(&mut m, [ch('o')]).is_empty());
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("No browser here")));
    m.can_open_browser = true;
    assert!(matches!(
        &send(&mut m, [ch('o')])[..],
        [Cmd::OpenBrowser { .. }]
    ));
    assert!(send(&mut m, [ch('a')]).is_empty());
    m.sandbox = true;
    assert!(matches!(
        &send(&mut m, [ch('a')])[..],
        [Cmd::SandboxApprove { .. }]
    ));
}

/// Outside the sandbox a is no key at all, link or not: it never says the link is not ready
/// as if it would approve it then. In the sandbox it waits for the link.
#[test]
fn a_outside_the_sandbox_is_no_key_even_before_the_link() {
    let mut m = ready();
    m.auth.pending = None;
    m.auth.phase = Phase::Preparing;
    assert!(send(&mut m, [ch('a')]).is_empty());
    assert_eq!(
        m.status.as_ref().map(|s| s.text.as_str()),
        Some("Press ? for the keys.")
    );
    m.sandbox = true;
    assert!(send(&mut m, [ch('a')]).is_empty());
    assert_eq!(
        m.status.as_ref().map(|s| s.text.as_str()),
        Some("The link is not ready yet: one moment.")
    );
}

#[test]
fn back_from_authorize_stops_the_listener() {
    let mut m = ready();
    assert_eq!(send(&mut m, [key(KeyCode::Esc)]), vec![Cmd::CancelAuth]);
    assert_eq!(m.step, Step::Credentials);
}

#[test]
fn a_new_link_says_so() {
    let mut m = ready();
    let before = m.auth.op;
    let cmds = send(&mut m, [ch('n')]);
    assert!(matches!(
        &cmds[..],
        [Cmd::CancelAuth, Cmd::PrepareAuth { .. }]
    ));
    assert!(m.auth.op > before);
    let op = m.auth.op;
    send(
        &mut m,
        [Msg::AuthReady {
            op,
            result: Ok(xconnect::x::oauth::Pending {
                url: "https://x.com/i/oauth2/authorize?state=T".into(),
                state: "T".into(),
                verifier: xconnect::secret::Secret::new("V2"),
            }),
        }],
    );
    let screen = screen_text(&m);
    assert!(screen.contains("A new link is made"), "{screen}");
    // Longer than the row: wrapped to a second row, not cut in the part that says what to do.
    assert!(screen.contains("refused."), "{screen}");
    assert!(!screen.contains('…'), "{screen}");
}

#[test]
fn over_ssh_the_forward_names_the_real_login_and_can_be_copied() {
    let mut m = model();
    m.over_ssh = true;
    m.ssh_target = Some("alice@203.0.113.5".into());
    m.sandbox = true;
    m.endpoints = xconnect::x::Endpoints::new("http://127.0.0.1:41234", "http://127.0.0.1:41234")
        .expect("endpoints");
    // The loopback preset, a Native App.
    send(
        &mut m,
        [enter(), enter(), enter(), key(KeyCode::Down), enter()],
    );
    type_text(&mut m, CLIENT_ID);
    send(&mut m, [enter()]);
    send(
        &mut m,
        [Msg::ProfileChecked {
            name: "default".into(),
            exists: false,
        }],
    );
    let op = m.auth.op;
    send(
        &mut m,
        [
            Msg::AuthReady {
                op,
                result: Ok(xconnect::x::oauth::Pending {
                    url: "http://127.0.0.1:41234/i/oauth2/authorize?state=S".into(),
                    state: "S".into(),
                    verifier: xconnect::secret::Secret::new("V"),
                }),
            },
            Msg::Listening {
                op,
                result: Ok("http://127.0.0.1:8765/callback".into()),
            },
        ],
    );
    let hint = "ssh -L 8765:127.0.0.1:8765 -L 41234:127.0.0.1:41234 alice@203.0.113.5";
    let screen = screen_text(&m);
    assert!(screen.contains(hint), "{screen}");
    assert!(screen.contains("on this machine"), "{screen}");
    assert!(!screen.contains("any machine"), "{screen}");
    send(&mut m, [key(KeyCode::Tab), key(KeyCode::Tab)]);
    assert_eq!(
        send(&mut m, [ch('c')]),
        vec![Cmd::Copy {
            what: "SSH command".into(),
            text: hint.into()
        }]
    );
}

#[test]
fn the_clock_comes_in_messages() {
    // The expiry counts from when X's answer came, as the message says; nothing in the
    // state machine or the view reads the clock.
    let at = time::macros::datetime!(2030-01-02 03:04:05 UTC);
    let mut m = ready();
    send(&mut m, [Msg::Paste(good_redirect())]);
    let op = m.auth.op;
    send(
        &mut m,
        [Msg::Exchanged {
            op,
            result: Ok(tokens()),
        }],
    );
    let cmds = send(
        &mut m,
        [Msg::Verified {
            op,
            result: Ok(me()),
            at,
        }],
    );
    let [Cmd::Save { profile, .. }] = &cmds[..] else {
        panic!("{cmds:?}");
    };
    assert_eq!(
        profile
            .token
            .as_ref()
            .map(|t| xconnect::timefmt::rfc3339(t.expires_at)),
        Some("2030-01-02T05:04:05Z".to_string())
    );
    send(
        &mut m,
        [Msg::Saved {
            op,
            result: Ok("/p/default.toml".into()),
        }],
    );
    let screen = screen_text(&m);
    assert!(
        screen.contains("2030-01-02T05:04:05Z (in 2 hours)"),
        "{screen}"
    );
}
