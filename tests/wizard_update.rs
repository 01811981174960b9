//! The pure state machine: every screen's validation and transitions, no terminal, no I/O.

mod common;

use common::*;
use crossterm::event::KeyCode;
use xconnect::wizard::model::{Focus, Overlay, StatusKind};
use xconnect::wizard::{Cmd, Msg, Step};
use xconnect::x::{AppType, Permission};

#[test]
fn enter_walks_forward_and_esc_ctrl_p_and_b_walk_back() {
    let mut m = model();
    assert_eq!(m.step, Step::CreateApp);
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Permissions);
    send(&mut m, [ctrl('n')]);
    assert_eq!(m.step, Step::AppType);
    send(&mut m, [key(KeyCode::Esc)]);
    assert_eq!(m.step, Step::Permissions);
    send(&mut m, [ctrl('p')]);
    assert_eq!(m.step, Step::CreateApp);
    send(&mut m, [enter(), ch('b')]);
    assert_eq!(m.step, Step::CreateApp);
    send(&mut m, [key(KeyCode::Esc)]);
    assert_eq!(m.step, Step::CreateApp);
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("first step")));
}

#[test]
fn permissions_default_to_read_and_write_with_offline_access() {
    let mut m = model();
    send(&mut m, [enter()]);
    assert_eq!(m.focus, Focus::Level);
    assert_eq!(m.permissions.level, Permission::ReadWrite);
    assert!(m.permissions.has("tweet.write") && m.permissions.has("offline.access"));
    send(&mut m, [key(KeyCode::Down)]);
    assert_eq!(m.permissions.level, Permission::ReadWriteDm);
    assert!(m.permissions.has("dm.write"));
    send(&mut m, [ch('1')]);
    assert_eq!(m.permissions.level, Permission::Read);
    assert!(!m.permissions.has("tweet.write"));
    send(&mut m, [ch('k')]);
    assert_eq!(m.permissions.level, Permission::Read, "clamped at the top");
}

#[test]
fn scopes_toggle_and_missing_offline_access_warns_once() {
    let mut m = model();
    send(&mut m, [enter(), key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Scopes);
    // offline.access is the last scope: move there (End is not a grid key, use the arrows).
    for _ in 0..30 {
        send(&mut m, [key(KeyCode::Right)]);
    }
    assert_eq!(
        xconnect::x::scopes::ALL_SCOPES[m.permissions.cursor],
        "offline.access"
    );
    send(&mut m, [ch(' ')]);
    assert!(!m.permissions.has("offline.access"));
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Permissions, "a warning stops the first Enter");
    let s = m.status.clone().expect("status");
    assert_eq!(s.kind, StatusKind::Warn);
    assert!(s.text.contains("2 hours"));
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::AppType, "the second Enter goes on");
}

#[test]
fn no_scope_at_all_is_refused() {
    let mut m = model();
    send(&mut m, [enter(), key(KeyCode::Tab)]);
    for i in 0..xconnect::x::scopes::ALL_SCOPES.len() {
        m.permissions.cursor = i;
        if m.permissions.has(xconnect::x::scopes::ALL_SCOPES[i]) {
            send(&mut m, [ch(' ')]);
        }
    }
    assert!(m.permissions.scopes.is_empty());
    send(&mut m, [enter(), enter()]);
    assert_eq!(m.step, Step::Permissions);
    assert_eq!(m.status.as_ref().map(|s| s.kind), Some(StatusKind::Error));
}

#[test]
fn app_type_defaults_to_native_and_web_requires_a_secret() {
    let mut m = model();
    send(&mut m, [enter(), enter()]);
    assert_eq!(m.app_type, AppType::Native);
    send(&mut m, [ch('j')]);
    assert_eq!(m.app_type, AppType::Web);
    send(&mut m, [enter(), enter()]);
    assert_eq!(m.step, Step::Credentials);
    type_text(&mut m, CLIENT_ID);
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Credentials);
    assert_eq!(m.focus, Focus::Secret, "focus jumps to the missing secret");
    type_text(&mut m, &"s".repeat(50));
    assert!(common::screen_text(&m).contains("••••••••••"));
    assert!(!common::screen_text(&m).contains("sssss"));
    send(&mut m, [ctrl('r')]);
    assert!(common::screen_text(&m).contains(&"s".repeat(50)));
    send(&mut m, [ctrl('r')]);
    assert!(
        !common::screen_text(&m).contains("sssss"),
        "Ctrl-R masks it again"
    );
    let cmds = send(&mut m, [enter()]);
    assert_eq!(
        cmds,
        vec![Cmd::CheckProfile {
            name: "default".into()
        }]
    );
    let cmds = send(
        &mut m,
        [Msg::ProfileChecked {
            name: "default".into(),
            exists: false,
        }],
    );
    assert_eq!(m.step, Step::Authorize);
    assert!(
        matches!(&cmds[..], [Cmd::CancelAuth, Cmd::PrepareAuth { settings, .. }]
        if settings.client_secret.as_ref().map(|s| s.expose().len()) == Some(50))
    );
}

#[test]
fn urls_presets_fill_fields_and_edits_make_them_custom() {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter()]);
    assert_eq!(m.step, Step::Urls);
    assert_eq!(
        m.urls.callback.value(),
        "https://app.latenode.com/redirected/index.html"
    );
    assert_eq!(
        m.urls.website.value(),
        "https://app.latenode.com/connections"
    );
    send(&mut m, [ch('2')]);
    assert_eq!(m.urls.callback.value(), "http://127.0.0.1:8765/callback");
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Callback);
    send(&mut m, [key(KeyCode::Backspace)]);
    assert_eq!(m.urls.preset, 2, "an edited value is Custom");
    type_text(&mut m, "k");
    assert_eq!(m.urls.preset, 1, "typing the preset back matches it again");
}

#[test]
fn bad_urls_are_refused_with_the_reason() {
    let mut m = model();
    send(
        &mut m,
        [enter(), enter(), enter(), key(KeyCode::Tab), ctrl('u')],
    );
    type_text(&mut m, "http://example.com/cb");
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Urls);
    assert!(m.status.as_ref().is_some_and(|s| s.text.contains("https")));
    assert!(common::screen_text(&m).contains("✗ Use https://"));
    send(&mut m, [ctrl('u')]);
    type_text(&mut m, "https://example.com/cb#frag");
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Urls);
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("fragment")));
    send(&mut m, [ctrl('u')]);
    type_text(&mut m, "https://example.com/cb");
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Credentials);
}

#[test]
fn credentials_refuse_empty_and_spaces_and_warn_on_api_keys() {
    let mut m = at_credentials();
    assert_eq!(m.focus, Focus::ClientId);
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Credentials);
    assert!(common::screen_text(&m).contains("✗ Paste the Client ID here."));
    type_text(&mut m, "abc def");
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Credentials);
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("no spaces")));
    send(
        &mut m,
        [
            ctrl('u'),
            Msg::Paste("\u{1b}[31mabcdefghijklmnopqrstuvwxy\n".into()),
        ],
    );
    assert_eq!(m.credentials.client_id.value(), "abcdefghijklmnopqrstuvwxy");
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Credentials);
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("OAuth 1.0a API Key")));
    let cmds = send(&mut m, [enter()]);
    assert_eq!(
        cmds,
        vec![Cmd::CheckProfile {
            name: "default".into()
        }],
        "a warning is not a refusal"
    );
}

#[test]
fn typing_q_or_question_mark_in_a_field_types_them() {
    let mut m = at_credentials();
    let cmds = type_text(&mut m, "q?");
    assert!(cmds.is_empty());
    assert_eq!(m.credentials.client_id.value(), "q?");
    assert!(m.overlay.is_none());
}

#[test]
fn q_quits_at_once_when_nothing_was_entered_and_asks_otherwise() {
    let mut m = model();
    assert_eq!(send(&mut m, [ch('q')]), vec![Cmd::Quit]);
    let mut m = model();
    send(&mut m, [enter(), ch('3')]);
    assert!(send(&mut m, [ch('q')]).is_empty());
    assert_eq!(m.overlay, Some(Overlay::ConfirmQuit));
    send(&mut m, [ch('n')]);
    assert_eq!(m.overlay, None);
    assert!(!m.quit);
    send(&mut m, [ch('q')]);
    assert_eq!(send(&mut m, [ch('y')]), vec![Cmd::Quit]);
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let mut m = at_credentials();
    type_text(&mut m, "abc");
    assert_eq!(send(&mut m, [ctrl('c')]), vec![Cmd::Quit]);
    let mut m = model();
    send(&mut m, [ch('?')]);
    assert_eq!(m.overlay, Some(Overlay::Help));
    assert_eq!(send(&mut m, [ctrl('c')]), vec![Cmd::Quit]);
}

#[test]
fn help_opens_with_question_mark_or_f1_and_any_key_closes_it() {
    let mut m = model();
    send(&mut m, [ch('?')]);
    assert_eq!(m.overlay, Some(Overlay::Help));
    send(&mut m, [ch('x')]);
    assert_eq!(m.overlay, None);
    let mut m = at_credentials();
    send(&mut m, [key(KeyCode::F(1))]);
    assert_eq!(m.overlay, Some(Overlay::Help));
}

#[test]
fn copy_and_print_the_focused_value() {
    let mut m = model();
    let cmds = send(&mut m, [ch('c')]);
    assert_eq!(
        cmds,
        vec![Cmd::Copy {
            what: "Developer Portal address".into(),
            text: xconnect::x::PORTAL_URL.into()
        }]
    );
    let cmds = send(&mut m, [ch('p')]);
    assert!(matches!(&cmds[..], [Cmd::ShowPlain { text, .. }] if text == xconnect::x::PORTAL_URL));
    assert_eq!(m.overlay, Some(Overlay::Plain));
    assert!(send(&mut m, [ch('x')]).is_empty(), "other keys wait");
    assert_eq!(send(&mut m, [enter()]), vec![Cmd::EndPlain]);
    assert_eq!(m.step, Step::CreateApp, "Enter only came back");
    let mut m = model();
    send(&mut m, [enter(), enter(), enter(), key(KeyCode::Tab)]);
    let cmds = send(&mut m, [ctrl('y')]);
    assert!(
        matches!(&cmds[..], [Cmd::Copy { text, .. }] if text.starts_with("https://app.latenode.com"))
    );
}

#[test]
fn copy_result_says_honestly_how_it_went() {
    let mut m = model();
    send(
        &mut m,
        [Msg::Copied {
            what: "Developer Portal address".into(),
            result: Ok(xconnect::clipboard::Delivery::Osc52),
        }],
    );
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("sent to your terminal's clipboard")));
    send(
        &mut m,
        [Msg::Copied {
            what: "X".into(),
            result: Err("boom".into()),
        }],
    );
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("Press p")));
}

#[test]
fn pastes_are_cleaned_and_oversized_ones_refused_whole() {
    let mut m = at_credentials();
    send(&mut m, [Msg::Paste("x".repeat(1 << 20))]);
    assert_eq!(m.credentials.client_id.value(), "");
    assert_eq!(m.status.as_ref().map(|s| s.kind), Some(StatusKind::Error));
    send(
        &mut m,
        [Msg::Paste(format!(
            "{CLIENT_ID}\u{1b}]52;c;ZXZpbA==\u{7}\r\n"
        ))],
    );
    assert_eq!(m.credentials.client_id.value(), CLIENT_ID);
    let mut m = model();
    send(&mut m, [Msg::Paste("hello".into())]);
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("Tab to a text field")));
}

#[test]
fn arrows_in_text_fields_move_between_fields() {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter(), key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Callback);
    send(&mut m, [key(KeyCode::Down)]);
    assert_eq!(m.focus, Focus::Website);
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Preset, "Tab wraps around");
    send(&mut m, [key(KeyCode::BackTab)]);
    assert_eq!(m.focus, Focus::Website);
}

#[test]
fn page_down_scrolls_a_long_screen_and_resize_is_remembered() {
    let mut m = model();
    send(&mut m, [Msg::Resize(60, 20), enter()]);
    assert_eq!(m.size, (60, 20));
    send(&mut m, [key(KeyCode::PageDown)]);
    assert!(m.scroll.is_some_and(|s| s > 0), "{:?}", m.scroll);
    send(&mut m, [key(KeyCode::PageUp)]);
    assert_eq!(m.scroll, Some(0));
}

#[test]
fn warnings_wait_while_a_value_is_typed_and_show_on_enter_or_focus_change() {
    let mut m = at_credentials();
    type_text(&mut m, "abcdefghijklmnopqrstuvwxy");
    assert!(
        !screen_text(&m).contains("This looks like the OAuth 1.0a API Key"),
        "no warning while typing"
    );
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Credentials, "the first Enter warns");
    assert!(screen_text(&m).contains("This looks like the OAuth 1.0a API Key"));
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.kind == StatusKind::Warn));
    // Typed again: nothing shows until the focus moves.
    type_text(&mut m, "z");
    assert!(!screen_text(&m).contains("! Only"));
    send(&mut m, [ctrl('u')]);
    type_text(&mut m, "short");
    send(&mut m, [key(KeyCode::Tab)]);
    assert!(screen_text(&m).contains("! Only 5 characters"));
    // A paste is checked at once.
    send(&mut m, [key(KeyCode::BackTab), ctrl('u')]);
    send(&mut m, [Msg::Paste("abcdefghijklmnopqrstuvwxy".into())]);
    assert!(screen_text(&m).contains("This looks like the OAuth 1.0a API Key"));
}

#[test]
fn an_empty_text_field_offers_copy_and_says_it_is_empty() {
    let mut m = at_credentials();
    assert!(screen_text(&m).contains("Ctrl-Y copy"));
    assert!(send(&mut m, [ctrl('y')]).is_empty());
    assert!(m
        .status
        .as_ref()
        .is_some_and(|s| s.text.contains("The field is empty")));
    type_text(&mut m, "abc");
    assert_eq!(
        send(&mut m, [ctrl('y')]),
        vec![Cmd::Copy {
            what: "Client ID".into(),
            text: "abc".into()
        }]
    );
}

#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() {
    let mut m = model();
    send(&mut m, [Msg::Resize(40, 10)]);
    send(&mut m, [enter(), enter(), enter(), ch('q')]);
    send(&mut m, [Msg::Paste("text".into())]);
    assert!(!m.quit);
    send(&mut m, [Msg::Resize(80, 24)]);
    assert_eq!(m.step, Step::CreateApp, "no key acted unseen");
    // Ctrl-C still quits.
    send(&mut m, [Msg::Resize(40, 10)]);
    assert_eq!(send(&mut m, [ctrl('c')]), vec![Cmd::Quit]);
}

#[test]
fn a_typed_custom_url_survives_the_list_cursor_passing_over_presets() {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter()]);
    assert_eq!(m.step, Step::Urls);
    // Custom, then type both fields.
    send(&mut m, [ch('3'), key(KeyCode::Tab), ctrl('u')]);
    type_text(&mut m, "https://example.org/cb");
    send(&mut m, [key(KeyCode::Tab), ctrl('u')]);
    type_text(&mut m, "https://example.org");
    // Back to the list; up over Latenode's and the loopback preset, and down again.
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Preset);
    send(&mut m, [key(KeyCode::Up), key(KeyCode::Up)]);
    assert_eq!(
        m.urls.callback.value(),
        "https://app.latenode.com/redirected/index.html"
    );
    send(&mut m, [key(KeyCode::Down), key(KeyCode::Down)]);
    assert_eq!(m.urls.callback.value(), "https://example.org/cb");
    assert_eq!(m.urls.website.value(), "https://example.org");
}

#[test]
fn a_near_miss_of_a_preset_s_callback_is_warned_in_place() {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter(), key(KeyCode::Tab)]);
    assert_eq!(m.focus, Focus::Callback);
    send(&mut m, [key(KeyCode::End)]);
    type_text(&mut m, "/");
    send(&mut m, [key(KeyCode::Tab)]);
    let screen = screen_text(&m);
    assert!(
        screen.contains("! Latenode's callback has no trailing /"),
        "{screen}"
    );
}

#[test]
fn long_urls_show_their_start_and_mark_every_cut() {
    // Longer than a row even under its label at 60 columns.
    let long = format!("https://hooks.example.com/{}/end", "x".repeat(40));
    let mut m = model();
    send(
        &mut m,
        [Msg::Resize(60, 20), enter(), enter(), enter(), ch('3')],
    );
    send(&mut m, [key(KeyCode::Tab), ctrl('u')]);
    type_text(&mut m, &long);
    send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(m.step, Step::Urls);
    // The value's row, under its label.
    let value_row = |m: &xconnect::wizard::Model| {
        let screen = screen_text(m);
        let lines: Vec<&str> = screen.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains("Callback URI"))
            .expect("callback label");
        lines[at + 1].to_string()
    };
    let row = value_row(&m);
    assert!(
        row.contains("https://hooks.example.c"),
        "the start shows: {row:?}"
    );
    assert!(row.trim_end().ends_with('…'), "the cut is marked: {row:?}");
    // Focused, with the cursor at the end: the field scrolls, and the cut on the left is marked.
    send(&mut m, [key(KeyCode::BackTab), key(KeyCode::End)]);
    let row = value_row(&m);
    assert!(row.contains("…"), "{row:?}");
    assert!(row.contains("x/end"), "{row:?}");
}

#[test]
fn the_loopback_preset_s_website_placeholder_is_explained() {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter(), key(KeyCode::Down)]);
    let screen = screen_text(&m);
    assert!(screen.contains("https://example.com"), "{screen}");
    assert!(
        screen.contains("A placeholder: X asks for a Website URL"),
        "{screen}"
    );
    // Once a real page is typed, the note goes.
    send(&mut m, [key(KeyCode::Tab), key(KeyCode::Tab), ctrl('u')]);
    type_text(&mut m, "https://mysite.example.org");
    assert!(!screen_text(&m).contains("A placeholder"));
}

#[test]
fn every_screen_starts_the_same_way() {
    // Whatever was going on in the last screen (an error shown, a warning seen, a scroll, the
    // secret shown), the next one starts fresh on its first widget.
    let mut m = at_credentials();
    send(&mut m, [key(KeyCode::Up)]);
    send(&mut m, [enter()]);
    assert!(m.tried, "Enter was tried on an empty screen");
    m.scroll = Some(3);
    m.credentials.reveal = true;
    send(&mut m, [key(KeyCode::Esc)]);
    assert_eq!(m.step, Step::Urls);
    assert_eq!(m.focus, Focus::Preset);
    assert!(!m.tried && !m.warned && !m.typing);
    assert_eq!(m.scroll, None);
    assert!(!m.credentials.reveal, "the secret is hidden again");
}

#[test]
fn the_place_chosen_on_step_1_names_the_pages_of_the_later_screens() {
    let mut m = model();
    assert!(screen_text(&m).contains("https://developer.x.com/en/portal/dashboard"));
    send(&mut m, [key(KeyCode::Down)]);
    let screen = screen_text(&m);
    assert!(screen.contains("https://console.x.com"), "{screen}");
    assert!(screen.contains("Create App"), "{screen}");
    assert_eq!(
        send(&mut m, [key(KeyCode::Tab), ch('c')]),
        vec![Cmd::Copy {
            what: "Developer Console address".into(),
            text: "https://console.x.com".into()
        }]
    );
    send(&mut m, [enter()]);
    let screen = screen_text(&m);
    assert!(
        screen.contains("(the app's authentication settings)"),
        "{screen}"
    );
    assert!(!screen.contains("User authentication settings"), "{screen}");
    send(&mut m, [enter(), enter(), enter()]);
    assert_eq!(m.step, Step::Credentials);
    assert!(screen_text(&m).contains("the app's credentials"));
    // The portal's own words when the portal is chosen.
    let mut p = at_credentials();
    assert!(screen_text(&p).contains("Keys and tokens"));
    send(
        &mut p,
        [key(KeyCode::Esc), key(KeyCode::Esc), key(KeyCode::Esc)],
    );
    assert!(screen_text(&p).contains("User authentication settings"));
    // And the choice is kept for resuming.
    assert_eq!(m.session().place, "console");
}

#[test]
fn read_permissions_with_a_write_scope_warn_with_the_fix() {
    let mut m = model();
    send(&mut m, [enter(), ch('1'), key(KeyCode::Tab)]);
    assert_eq!(m.permissions.level, Permission::Read);
    let at = xconnect::x::scopes::ALL_SCOPES
        .iter()
        .position(|s| *s == "tweet.write")
        .expect("tweet.write");
    m.permissions.cursor = at;
    send(&mut m, [ch(' ')]);
    assert!(m.permissions.has("tweet.write"));
    send(&mut m, [enter()]);
    assert_eq!(m.step, Step::Permissions, "a warning stops the first Enter");
    let s = m.status.clone().expect("status");
    assert_eq!(s.kind, StatusKind::Warn);
    assert!(
        s.text.contains("tweet.write") && s.text.contains("Read and write"),
        "{}",
        s.text
    );
    // What the sandbox's portal registers is the level chosen, not more.
    assert_eq!(m.settings().permission, Permission::Read);
}

#[test]
fn the_loopback_preset_offers_a_free_port_when_its_own_is_taken() {
    let mut m = model();
    send(&mut m, [enter(), enter(), enter()]);
    // Choosing the preset asks the driver whether its port can be listened on.
    let cmds = send(&mut m, [ch('2')]);
    assert_eq!(cmds, vec![Cmd::CheckPort { port: 8765 }]);
    // It cannot: the driver found 8766 free instead.
    send(
        &mut m,
        [Msg::PortChecked {
            port: 8765,
            instead: Some(8766),
        }],
    );
    assert_eq!(m.urls.callback.value(), "http://127.0.0.1:8766/callback");
    assert_eq!(m.urls.preset, 1, "still the loopback preset");
    let status = m.status.clone().expect("said plainly");
    assert!(
        status.text.contains("Port 8765 is in use"),
        "{}",
        status.text
    );
    assert!(
        status.text.contains("http://127.0.0.1:8766/callback"),
        "{}",
        status.text
    );
    let screen = screen_text(&m);
    assert!(
        screen.contains("http://127.0.0.1:8766/callback"),
        "{screen}"
    );
    send(&mut m, [key(KeyCode::Tab)]);
    let screen = screen_text(&m)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        screen.contains("Port 8765 is in use on this machine: this callback uses port 8766"),
        "said under the field too, after the status line went: {screen}"
    );
    send(&mut m, [key(KeyCode::BackTab)]);
    // The port is chosen by editing the callback: the preset stays, and the new port is
    // checked once the field is left.
    send(&mut m, [key(KeyCode::Tab), ch('e'), key(KeyCode::Home)]);
    send(&mut m, (0..17).map(|_| key(KeyCode::Right)));
    send(&mut m, (0..4).map(|_| key(KeyCode::Delete)));
    assert!(
        type_text(&mut m, "9000").is_empty(),
        "nothing checked while typing"
    );
    assert_eq!(m.urls.callback.value(), "http://127.0.0.1:9000/callback");
    assert_eq!(m.urls.preset, 1, "a port of one's own keeps the preset");
    let cmds = send(&mut m, [key(KeyCode::Tab)]);
    assert_eq!(cmds, vec![Cmd::CheckPort { port: 9000 }]);
    // A free port changes nothing; the settings carry it to Authorize.
    send(
        &mut m,
        [Msg::PortChecked {
            port: 9000,
            instead: None,
        }],
    );
    assert_eq!(m.settings().callback_url, "http://127.0.0.1:9000/callback");
    // The taken port typed back after the offer is the person's choice: not replaced again.
    send(
        &mut m,
        [key(KeyCode::BackTab), ch('e'), ctrl('e'), ctrl('u')],
    );
    type_text(&mut m, "http://127.0.0.1:8765/callback");
    assert!(
        send(&mut m, [key(KeyCode::Tab)]).is_empty(),
        "not asked again"
    );
    assert_eq!(m.urls.callback.value(), "http://127.0.0.1:8765/callback");
    send(
        &mut m,
        [key(KeyCode::BackTab), ch('e'), ctrl('e'), ctrl('u')],
    );
    type_text(&mut m, "http://127.0.0.1:9000/callback");
    send(&mut m, [key(KeyCode::Tab)]);
    // Latenode and back: the port chosen comes back with the preset.
    send(
        &mut m,
        [
            key(KeyCode::BackTab),
            key(KeyCode::BackTab),
            ch('1'),
            ch('2'),
        ],
    );
    assert_eq!(m.urls.callback.value(), "http://127.0.0.1:9000/callback");
}
