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
