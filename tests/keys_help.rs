//! The keys are written down once (`wizard::keymap`): the help overlay of each screen lists its
//! keys without clipping at the smallest size, the footer shows the keys that work now, and
//! the README's key table is the same list.

mod common;

use common::authorize::ready;
use common::*;
use xconnect::wizard::{keymap, Msg, Step};

/// The wizard on `step` (the model walked there with the defaults).
fn on(step: Step) -> xconnect::wizard::Model {
    match step {
        Step::Authorize | Step::Done => ready(),
        _ => {
            let mut m = model();
            while m.step != step {
                send(&mut m, [enter()]);
                if m.step == Step::Credentials && step != Step::Credentials {
                    break;
                }
            }
            m
        }
    }
}

#[test]
fn each_screen_s_help_fits_unclipped_at_60x20_and_80x24() {
    for size in [(60, 20), (80, 24)] {
        for step in [
            Step::CreateApp,
            Step::Permissions,
            Step::AppType,
            Step::Urls,
            Step::Credentials,
            Step::Authorize,
        ] {
            let mut m = on(step);
            send(
                &mut m,
                [
                    Msg::Resize(size.0, size.1),
                    key(crossterm::event::KeyCode::F(1)),
                ],
            );
            let screen = screen_text(&m);
            assert!(screen.contains("┌ Keys"), "{step:?} {size:?}:\n{screen}");
            assert!(
                screen.contains("Any key closes this help."),
                "{step:?} {size:?}: the last line is in the box:\n{screen}"
            );
            for (k, _) in keymap::help(step, false) {
                assert!(
                    screen.contains(k),
                    "{step:?} {size:?} lacks {k:?}:\n{screen}"
                );
            }
        }
    }
}

#[test]
fn authorize_s_help_names_every_key_it_takes() {
    let help: Vec<&str> = keymap::help(Step::Authorize, false)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for k in ["c  p", "o", "a", "n", "s", "Esc", "Ctrl-C"] {
        assert!(help.contains(&k), "{k:?} missing from {help:?}");
    }
}

#[test]
fn the_footer_shows_o_with_a_display_and_s_after_a_failed_save() {
    let mut m = ready();
    assert!(!screen_text(&m).contains(" o open"));
    m.can_open_browser = true;
    assert!(screen_text(&m).contains(" o open"));
    assert!(!screen_text(&m).contains("s save again"));
    m.auth.tokens = Some(xconnect::x::oauth::Tokens {
        access_token: xconnect::secret::Secret::new("A"),
        refresh_token: None,
        token_type: "bearer".into(),
        scope: String::new(),
        expires_in: None,
    });
    m.auth.phase = xconnect::wizard::model::Phase::Failed("disk full".into());
    assert!(screen_text(&m).contains("s save again"));
}

/// The README's key table, as `keymap::reference()` makes it.
fn table() -> String {
    let mut t = String::from("| where | key | what it does |\n|---|---|---|\n");
    for (place, keys) in keymap::reference() {
        for (i, (k, what)) in keys.iter().enumerate() {
            let ks: Vec<String> = k.split("  ").map(|p| format!("`{p}`")).collect();
            let place = if i == 0 { place } else { "" };
            t.push_str(&format!("| {place} | {} | {what} |\n", ks.join(" ")));
        }
    }
    t
}

#[test]
fn the_readme_s_key_table_is_the_wizard_s() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let start = readme
        .find("<!-- keys -->")
        .expect("the README marks its key table");
    let end = readme.find("<!-- /keys -->").expect("end mark");
    let shown = readme[start + "<!-- keys -->".len()..end].trim();
    assert_eq!(
        shown,
        table().trim(),
        "README's key table differs from src/wizard/keymap.rs; it should read:\n{}",
        table()
    );
}

/// The keys a help table names, one by one ("c  Ctrl-Y" is `c` and `Ctrl-Y`; "↑ ↓" is `↑↓`).
fn help_keys(step: Step, on_menu: bool) -> Vec<String> {
    keymap::help(step, on_menu)
        .into_iter()
        .flat_map(|(k, _)| {
            k.split("  ")
                .map(|p| p.replace(' ', ""))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A key as the help writes it ("Shift-Tab", "Ctrl-R", "↑", "1-9", "q").
fn named(k: &str) -> Vec<keymap::Key> {
    use crossterm::event::KeyCode;
    use keymap::Key;
    let code = match k {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "Shift-Tab" => KeyCode::BackTab,
        "PgUp" => KeyCode::PageUp,
        "PgDn" => KeyCode::PageDown,
        "F1" => KeyCode::F(1),
        "↑" => KeyCode::Up,
        "↓" => KeyCode::Down,
        "←" => KeyCode::Left,
        "→" => KeyCode::Right,
        "Space" => KeyCode::Char(' '),
        "1-9" => return vec![Key::Digit],
        _ => {
            if let Some(c) = k.strip_prefix("Ctrl-") {
                let c = c.to_lowercase().chars().next().expect("a letter");
                return vec![Key::Ctrl(c)];
            }
            let mut cs = k.chars();
            let (Some(c), None) = (cs.next(), cs.next()) else {
                panic!("{k:?} is no key name");
            };
            return vec![Key::Char(c), Key::Code(KeyCode::Char(c))];
        }
    };
    vec![Key::Code(code)]
}

/// The help and the keys that act are one row: each key a row names is one of its bindings
/// (a row may take more, such as j and k beside ↑ and ↓).
#[test]
fn every_key_a_help_row_names_is_bound_in_that_row() {
    for on_menu in [false, true] {
        for step in Step::ALL {
            for row in keymap::table(step, on_menu).rows() {
                if row.binds.is_empty() {
                    // "In a field": the text field's own keys.
                    continue;
                }
                for k in row.keys.split(' ').filter(|k| !k.is_empty()) {
                    assert!(
                        named(k)
                            .iter()
                            .any(|n| row.binds.iter().any(|b| b.key == *n)),
                        "{step:?} (menu: {on_menu}): the row {:?} names {k:?} but does not bind it",
                        row.keys
                    );
                }
            }
        }
    }
}

/// A key is read once, through the screen's table: the first binding that takes it and
/// applies wins, and a key no binding takes goes to the focused text field.
#[test]
fn a_key_is_read_through_the_screen_s_table() {
    use crossterm::event::KeyCode;
    use keymap::Action;
    let mut m = model();
    // Step 1, the list focused: ↓ moves in the list, Ctrl-P goes back (not to the list).
    assert_eq!(
        keymap::action_for(&m, &crossterm::event::KeyEvent::from(KeyCode::Down)),
        Some(Action::ListDown)
    );
    assert_eq!(
        keymap::action_for(&m, &keymap::Key::Ctrl('p').example()),
        Some(Action::Back)
    );
    // In a text field a letter types (no action), and ↓ leaves the field.
    send(&mut m, [enter(), enter(), enter(), enter()]);
    assert_eq!(m.step, Step::Credentials);
    assert_eq!(
        keymap::action_for(&m, &keymap::Key::Char('q').example()),
        None
    );
    assert_eq!(
        keymap::action_for(&m, &crossterm::event::KeyEvent::from(KeyCode::Down)),
        Some(Action::NextFocus)
    );
}

/// States across every screen: each step with the focus on each widget, the start menu,
/// Authorize (link, field, sandbox, browser, failed save, a call to X running) and Done.
fn many_states() -> Vec<xconnect::wizard::Model> {
    use crossterm::event::KeyCode;
    let mut states = Vec::new();
    let walk = |mut m: xconnect::wizard::Model, states: &mut Vec<_>| {
        for _ in 0..4 {
            states.push(m.clone());
            send(&mut m, [key(KeyCode::Tab)]);
        }
    };
    for step in [
        Step::CreateApp,
        Step::Permissions,
        Step::AppType,
        Step::Urls,
        Step::Credentials,
    ] {
        walk(on(step), &mut states);
    }
    // A Web App's secret, masked and shown.
    let mut m = model();
    send(&mut m, [enter(), enter(), ch('2'), enter(), enter()]);
    type_text(&mut m, CLIENT_ID);
    send(&mut m, [key(KeyCode::Tab), Msg::Paste("S".repeat(50))]);
    states.push(m.clone());
    send(&mut m, [ctrl('r')]);
    states.push(m);
    // Step 4 with a preset's value being edited.
    let mut m = on(Step::Urls);
    send(&mut m, [key(KeyCode::Tab), ch('e')]);
    states.push(m);
    // The start menu.
    let profile = xconnect::profile::Profile::from_toml(
        "version = 1\n[app]\nclient_id = \"Y2xpZW50LWlk\"\napp_type = \"native\"\n\
         callback_url = \"http://127.0.0.1:8765/callback\"\nwebsite_url = \"https://example.com\"\n\
         scopes = [\"tweet.read\"]\n",
    )
    .expect("profile");
    states.push(model().with_profiles(vec![("work".into(), profile)]));
    // Authorize, every way.
    let mut a = ready();
    a.sandbox = true;
    a.can_open_browser = true;
    walk(a.clone(), &mut states);
    a.over_ssh = true;
    a.auth.listener = Some(Ok("127.0.0.1:8765".into()));
    a.urls.callback.set("http://127.0.0.1:8765/callback");
    walk(a, &mut states);
    let mut failed = ready();
    common::authorize::exchanged_and_proved(&mut failed, Ok(common::authorize::me()));
    let op = failed.auth.op;
    send(
        &mut failed,
        [Msg::Saved {
            op,
            result: Err(xconnect::wizard::model::SaveFailure::Other(
                "disk full".into(),
            )),
        }],
    );
    walk(failed, &mut states);
    let mut exchanging = ready();
    send(
        &mut exchanging,
        [Msg::Paste(common::authorize::good_redirect())],
    );
    walk(exchanging, &mut states);
    // Done.
    let mut done = ready();
    let op = common::authorize::exchanged_and_proved(&mut done, Ok(common::authorize::me()));
    send(
        &mut done,
        [Msg::Saved {
            op,
            result: Ok("/tmp/p.toml".into()),
        }],
    );
    assert_eq!(done.step, Step::Done);
    walk(done, &mut states);
    states
}

/// The footer offers only what works: each key it shows does, right now, what the row it
/// comes from says. (A key in a text field types; the footer does not offer it there.)
#[test]
fn every_key_the_footer_offers_does_what_it_says() {
    for m in many_states() {
        for offer in keymap::offers(&m) {
            let key = offer.bind.key.example();
            assert_eq!(
                keymap::action_for(&m, &key),
                Some(offer.bind.action),
                "{:?} (focus {:?}, menu {}) offers {:?} ({}), which does not do that",
                m.step,
                m.focus,
                m.menu.is_some(),
                offer.key,
                offer.what
            );
        }
    }
}

/// The footer names the keys its help lists, on every screen and focus.
#[test]
fn every_key_the_footer_offers_is_in_that_screen_s_help() {
    for m in many_states() {
        let known = help_keys(m.step, m.menu.is_some());
        for (k, what) in keymap::footer(&m) {
            let k = k.replace(' ', "");
            assert!(
                known.contains(&k) || (k == "↑↓" && known.iter().any(|x| x.starts_with("↑↓"))),
                "{:?} (focus {:?}) offers {k:?} ({what}) that its help does not list: {known:?}",
                m.step,
                m.focus
            );
        }
    }
}

/// After a failed save, s saves again from the link; in the field for the address, s types
/// an s, so the footer does not offer it there.
#[test]
fn s_save_again_is_offered_where_it_works() {
    use crossterm::event::KeyCode;
    let mut m = ready();
    common::authorize::exchanged_and_proved(&mut m, Ok(common::authorize::me()));
    let op = m.auth.op;
    send(
        &mut m,
        [Msg::Saved {
            op,
            result: Err(xconnect::wizard::model::SaveFailure::Other(
                "disk full".into(),
            )),
        }],
    );
    m.focus = xconnect::wizard::model::Focus::AuthUrl;
    assert!(keymap::footer(&m).contains(&("s", "save again")));
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.focus, xconnect::wizard::model::Focus::RedirectPaste);
    assert!(
        !keymap::footer(&m).iter().any(|(k, _)| *k == "s"),
        "{:?}",
        keymap::footer(&m)
    );
    assert!(!screen_text(&m).contains("s save again"));
}

/// Ctrl-R's word in the footer follows the secret: "show" while it is masked, "hide" while
/// it is shown, on Credentials as on Done.
#[test]
fn ctrl_r_says_hide_while_the_secret_is_shown() {
    use crossterm::event::KeyCode;
    let mut m = model();
    send(&mut m, [enter(), enter(), ch('2'), enter(), enter()]);
    type_text(&mut m, CLIENT_ID);
    send(&mut m, [key(KeyCode::Tab), Msg::Paste("S".repeat(50))]);
    assert!(keymap::footer(&m).contains(&("Ctrl-R", "show")));
    send(&mut m, [ctrl('r')]);
    assert!(m.credentials.reveal);
    assert!(
        keymap::footer(&m).contains(&("Ctrl-R", "hide")),
        "{:?}",
        keymap::footer(&m)
    );
    assert!(screen_text(&m).contains("Ctrl-R hide"));
}
