//! Step 4's URL fields and the keys c, p and e: on a field that holds its preset's value
//! unchanged, c copies and p prints (as on the screens before); e starts editing, after which
//! c and p type; any other key types at once. A value that leaves its preset says so at once.

mod common;

use common::*;
use crossterm::event::KeyCode;
use xconnect::wizard::keymap;
use xconnect::wizard::model::Focus;
use xconnect::wizard::{Cmd, Step};

const LATENODE: &str = "https://app.latenode.com/redirected/index.html";

/// Step 4 with the focus on the Callback field, which holds the Latenode preset.
fn on_the_callback_field() -> xconnect::wizard::Model {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter(), key(KeyCode::Tab)]);
    assert_eq!(m.step, Step::Urls);
    assert_eq!(m.focus, Focus::Callback);
    assert_eq!(m.urls.callback.value(), LATENODE);
    m
}

fn preset_label(m: &xconnect::wizard::Model) -> String {
    xconnect::presets::presets()[m.urls.preset]
        .label
        .to_string()
}

#[test]
fn c_and_p_on_an_unchanged_preset_value_copy_and_print_it() {
    let mut m = on_the_callback_field();
    let before = preset_label(&m);
    let cmds = send(&mut m, [ch('c')]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Copy { text, .. } if text == LATENODE)),
        "{cmds:?}"
    );
    assert_eq!(m.urls.callback.value(), LATENODE, "nothing typed");
    assert_eq!(preset_label(&m), before, "the preset stays");
    let cmds = send(&mut m, [ch('p')]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::ShowPlain { text, .. } if text == LATENODE)),
        "{cmds:?}"
    );
    assert_eq!(m.urls.callback.value(), LATENODE);
    // Back from the print; the Website field holds its preset's value too.
    send(&mut m, [enter(), key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Website);
    let website = m.urls.website.value().to_string();
    let cmds = send(&mut m, [ch('c')]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Cmd::Copy { text, .. } if *text == website)),
        "{cmds:?}"
    );
    assert_eq!(m.urls.website.value(), website);
}

#[test]
fn e_starts_editing_and_then_c_types() {
    let mut m = on_the_callback_field();
    send(&mut m, [ch('e')]);
    assert_eq!(m.urls.callback.value(), LATENODE, "e types nothing");
    let cmds = send(&mut m, [key(KeyCode::End), ch('c')]);
    assert!(!cmds.iter().any(|c| matches!(c, Cmd::Copy { .. })));
    assert_eq!(m.urls.callback.value(), format!("{LATENODE}c"));
    // Now Custom, and the screen says so at once, before any Enter.
    assert_eq!(preset_label(&m), "Custom");
    let screen = screen_text(&m);
    assert!(screen.contains("Latenode"), "{screen}");
    assert!(
        m.status.as_ref().is_some_and(|s| s.text.contains("Custom")),
        "{:?}\n{screen}",
        m.status
    );
    // A second c types too: the field no longer holds the preset's value.
    send(&mut m, [ch('c')]);
    assert_eq!(m.urls.callback.value(), format!("{LATENODE}cc"));
}

#[test]
fn any_other_key_types_at_once_and_the_change_is_said_at_once() {
    let mut m = on_the_callback_field();
    send(&mut m, [ch('x')]);
    assert_eq!(m.urls.callback.value(), format!("{LATENODE}x"));
    assert_eq!(preset_label(&m), "Custom");
    assert!(
        m.status.as_ref().is_some_and(|s| s.text.contains("Custom")),
        "{:?}",
        m.status
    );
    // The warning under the field shows while typing, not only after Enter.
    let screen = screen_text(&m);
    assert!(screen.contains("extra text"), "{screen}");
    // Back to the preset's exact value: the preset comes back, and c copies again.
    send(&mut m, [key(KeyCode::Backspace)]);
    assert_eq!(m.urls.callback.value(), LATENODE);
    assert_ne!(preset_label(&m), "Custom");
    let cmds = send(&mut m, [ch('c')]);
    assert!(
        cmds.iter().any(|c| matches!(c, Cmd::Copy { .. })),
        "{cmds:?}"
    );
}

#[test]
fn a_custom_value_types_c_and_p() {
    let mut m = on_the_callback_field();
    send(&mut m, [ctrl('u')]);
    type_text(&mut m, "https://example.org/cp");
    assert_eq!(m.urls.callback.value(), "https://example.org/cp");
}

#[test]
fn the_key_table_and_the_help_name_the_rule() {
    let help = keymap::help(Step::Urls, false);
    assert!(
        help.iter()
            .any(|(k, what)| *k == "e" && what.contains("edit")),
        "{help:?}"
    );
    assert!(
        help.iter()
            .any(|(k, what)| k.contains('c') && what.contains("preset")),
        "{help:?}"
    );
}

#[test]
fn the_footer_offers_copy_and_edit_on_a_preset_value_and_ctrl_y_once_edited() {
    let mut m = common::model();
    common::send(
        &mut m,
        [
            common::enter(),
            common::enter(),
            common::enter(),
            common::key(crossterm::event::KeyCode::Tab),
        ],
    );
    let footer = |m: &xconnect::wizard::Model| {
        xconnect::wizard::keymap::footer(m)
            .into_iter()
            .map(|(k, _)| k)
            .collect::<Vec<_>>()
    };
    let keys = footer(&m);
    assert!(keys.contains(&"c") && keys.contains(&"e"), "{keys:?}");
    assert!(!keys.contains(&"Ctrl-Y"), "{keys:?}");
    common::send(&mut m, [common::ch('e')]);
    let keys = footer(&m);
    assert!(keys.contains(&"Ctrl-Y") && !keys.contains(&"e"), "{keys:?}");
}

#[test]
fn a_paste_into_a_field_that_holds_its_preset_s_value_replaces_it() {
    let mut m = on_the_callback_field();
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Website);
    let mine = "https://my.example.org/about";
    send(&mut m, [xconnect::wizard::Msg::Paste(mine.into())]);
    assert_eq!(m.urls.website.value(), mine, "replaced, not appended");
    // Once it holds something else, a paste goes in at the cursor as usual.
    send(&mut m, [xconnect::wizard::Msg::Paste("/x".into())]);
    assert_eq!(m.urls.website.value(), format!("{mine}/x"));
    // After e (editing the preset's value on purpose) a paste goes in at the cursor too.
    let mut m = on_the_callback_field();
    send(
        &mut m,
        [ch('e'), xconnect::wizard::Msg::Paste("?a=1".into())],
    );
    assert_eq!(m.urls.callback.value(), format!("{LATENODE}?a=1"));
}
