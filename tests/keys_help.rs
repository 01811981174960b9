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

#[test]
fn every_key_the_footer_offers_is_in_that_screen_s_help() {
    let mut states = Vec::new();
    for step in [
        Step::CreateApp,
        Step::Permissions,
        Step::AppType,
        Step::Urls,
        Step::Credentials,
    ] {
        let mut m = on(step);
        states.push(m.clone());
        // And with the focus on each of the screen's widgets.
        for _ in 0..3 {
            send(&mut m, [key(crossterm::event::KeyCode::Tab)]);
            states.push(m.clone());
        }
    }
    let mut auth = ready();
    auth.sandbox = true;
    auth.can_open_browser = true;
    states.push(auth.clone());
    send(&mut auth, [key(crossterm::event::KeyCode::Tab)]);
    states.push(auth);
    for m in states {
        let known = help_keys(m.step, m.menu.is_some());
        for (k, what) in xconnect::wizard::view::key_hints(&m) {
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
