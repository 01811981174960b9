//! The pure state machine: `update(&mut Model, Msg) -> Vec<Cmd>`. No I/O happens here.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

use super::keymap::{self, Action};
use super::model::{Cmd, Focus, Menu, Model, Msg, Overlay, Phase, StatusKind, Step};
use super::steps::{self, authorize, focus, go_authorize, permissions};
use super::widgets::choice_list;
use super::widgets::text_field::{Edit, MAX_FIELD_CHARS};
use crate::clipboard::Delivery;
use crate::sanitize::clean_paste;
use crate::validate::Check;

/// What runs once the first frame is drawn: the start menu's profiles are read then, so that
/// frame does not wait for them.
pub fn init(m: &Model) -> Vec<Cmd> {
    match m.menu.as_ref().map(|menu| menu.unread()) {
        Some(names) if !names.is_empty() => vec![Cmd::ReadProfiles(names)],
        _ => Vec::new(),
    }
}

pub fn update(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    let before = (m.step, m.menu.is_some());
    let saved_before = m.outcome.is_some();
    let mut cmds = handle(m, msg);
    cmds.extend(steps::urls::check_port(m));
    if m.outcome.is_some() && !saved_before {
        cmds.push(Cmd::ClearSession);
    } else if (m.step, m.menu.is_some()) != before
        && m.menu.is_none()
        && m.step != Step::CreateApp
        && m.step != Step::Done
    {
        // Every step change is remembered, so an interruption can be resumed.
        cmds.push(Cmd::SaveSession(Box::new(m.session())));
    }
    cmds
}

fn handle(m: &mut Model, msg: Msg) -> Vec<Cmd> {
    match msg {
        Msg::Resize(w, h) => {
            m.size = (w, h);
            Vec::new()
        }
        // Nothing acts unseen: while the screen says "too small", pastes wait (and keys, below).
        Msg::Paste(_) if m.too_small() => Vec::new(),
        Msg::Paste(text) => {
            if m.step == Step::Authorize && m.overlay.is_none() {
                m.status = None;
                return steps::authorize::on_paste(m, &text);
            }
            on_paste(m, &text);
            Vec::new()
        }
        Msg::ProfileChecked { name, exists } => {
            if m.step == Step::Credentials && name == m.credentials.profile.value() {
                if exists && m.credentials.replace.as_deref() != Some(name.as_str()) {
                    m.overlay = Some(Overlay::ConfirmReplace);
                } else {
                    return go_authorize(m);
                }
            }
            Vec::new()
        }
        Msg::ProfilesRead(read) => {
            let fill = |menu: &mut Menu| {
                menu.read = true;
                for (name, profile) in read {
                    if let Some(slot) = menu.profiles.iter_mut().find(|(n, _)| *n == name) {
                        slot.1 = profile;
                    }
                }
            };
            // Esc on step 1 goes back to a copy of the menu: both get the profiles.
            if let Some(menu) = m.menu.as_mut() {
                fill(menu);
            } else if let Some(menu) = m.menu_back.as_mut() {
                fill(menu);
            }
            Vec::new()
        }
        Msg::PortChecked { port, instead } => {
            steps::urls::port_checked(m, port, instead);
            Vec::new()
        }
        Msg::Tick => {
            if m.busy() {
                m.auth.spinner = m.auth.spinner.wrapping_add(1);
                m.auth.waited = m.auth.waited.saturating_add(1);
            }
            Vec::new()
        }
        Msg::Copied { what, result } => {
            match result {
                Ok(d) => m.set_status(StatusKind::Ok, copied_text(&what, d)),
                Err(e) => m.set_status(
                    StatusKind::Warn,
                    format!("Could not copy ({e}). Press p to print it and select it instead."),
                ),
            }
            Vec::new()
        }
        Msg::Key(key) if key.kind != KeyEventKind::Release => on_key(m, key),
        Msg::Key(_) => Vec::new(),
        other => steps::authorize::on_msg(m, other),
    }
}

/// Honest words for each delivery: OSC 52 is sent, never known to have arrived.
fn copied_text(what: &str, d: Delivery) -> String {
    match d {
        Delivery::Native => format!("{what} copied to the clipboard."),
        Delivery::NativeWhileRunning => {
            format!("{what} copied to the clipboard until xconnect ends.")
        }
        Delivery::Tmux => {
            format!("{what} copied to tmux's paste buffer (and clipboard if tmux forwards it).")
        }
        Delivery::Osc52 => format!(
            "{what} sent to your terminal's clipboard. Nothing pasted? Press p to print it."
        ),
    }
}

/// A key: read once through the keys of the screen shown (`keymap`), then done.
fn on_key(m: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    let action = keymap::action_for(m, &key);
    // While the screen says "too small", only Ctrl-C acts.
    if m.too_small() && action != Some(Action::Interrupt) {
        return Vec::new();
    }
    if m.overlay.is_none() && !action.is_some_and(Action::keeps_status) {
        m.status = None;
    }
    match action {
        Some(action) => act(m, action),
        None => no_action(m, key),
    }
}

/// What an action does.
fn act(m: &mut Model, action: Action) -> Vec<Cmd> {
    match action {
        Action::Interrupt => {
            m.quit = true;
            m.interrupted = true;
            return vec![Cmd::Quit];
        }
        Action::Suspend => return vec![Cmd::Suspend],
        Action::Close => {
            let plain = m.overlay == Some(Overlay::Plain);
            m.overlay = None;
            if plain {
                return vec![Cmd::EndPlain];
            }
        }
        Action::Yes => return answer(m, true),
        Action::No => return answer(m, false),
        Action::Help => m.overlay = Some(Overlay::Help),
        Action::Quit => return quit(m),
        Action::ScrollUp => scroll(m, -1),
        Action::ScrollDown => scroll(m, 1),
        Action::Continue => return advance(m),
        Action::Back => return back(m),
        Action::NextFocus => move_focus(m, 1),
        Action::PrevFocus => move_focus(m, -1),
        Action::Copy => return copy(m),
        Action::Print => return print(m),
        Action::EditPreset => {
            m.typing = true;
            m.set_status(
                StatusKind::Info,
                "Editing: c and p type here now; Ctrl-Y copies.",
            );
        }
        Action::Reveal => toggle_reveal(m),
        Action::ListUp | Action::ListDown | Action::Pick(_) => in_list(m, action),
        Action::ScopeLeft => permissions::move_cursor(m, -1, 0),
        Action::ScopeRight => permissions::move_cursor(m, 1, 0),
        Action::ScopeUp => permissions::move_cursor(m, 0, -1),
        Action::ScopeDown => permissions::move_cursor(m, 0, 1),
        Action::ToggleScope => permissions::toggle(m),
        Action::Choose => return super::menu::choose(m),
        Action::OpenBrowser => return authorize::open_browser(m),
        Action::Approve => return authorize::approve(m),
        Action::NewLink => return authorize::new_link(m),
        Action::SaveAgain => return authorize::save(m, false),
        Action::Cancel => return authorize::cancel(m),
    }
    Vec::new()
}

/// A key no binding takes: the focused text field gets it, or the status line says which
/// keys there are.
fn no_action(m: &mut Model, key: KeyEvent) -> Vec<Cmd> {
    if m.overlay.is_some() {
        return Vec::new();
    }
    if m.menu.is_some() {
        menu_hint(m);
    } else if m.step == Step::Done {
        m.set_status(
            StatusKind::Info,
            "The profile is saved: Enter or q quits; Tab picks a value, c copies it.",
        );
    } else if m.focus.is_text() {
        edit(m, key);
    } else if let KeyCode::Char(_) = key.code {
        keys_hint(m);
    }
    Vec::new()
}

fn menu_hint(m: &mut Model) {
    m.set_status(StatusKind::Info, "↑ ↓ choose, Enter goes, q quits.");
}

fn keys_hint(m: &mut Model) {
    m.set_status(StatusKind::Info, "Press ? for the keys.");
}

/// The answer to the question shown: quit? replace the profile?
fn answer(m: &mut Model, yes: bool) -> Vec<Cmd> {
    match m.overlay {
        Some(Overlay::ConfirmQuit) if yes => {
            m.quit = true;
            vec![Cmd::Quit]
        }
        Some(Overlay::ConfirmReplace) => {
            m.overlay = None;
            let name = m.credentials.profile.value().to_string();
            if yes {
                m.credentials.replace = Some(name);
                return match m.step {
                    Step::Credentials => go_authorize(m),
                    _ => authorize::save(m, true),
                };
            }
            if m.step == Step::Credentials {
                m.focus = Focus::ProfileName;
                m.typing = false;
                m.set_status(
                    StatusKind::Info,
                    "Kept the existing profile: choose another name.",
                );
            } else {
                m.set_status(
                    StatusKind::Info,
                    "Kept the existing profile; the new token is not saved. s saves it after all.",
                );
            }
            Vec::new()
        }
        _ => {
            m.overlay = None;
            Vec::new()
        }
    }
}

/// q: a step screen with something entered asks first; the menu and Done (the profile is
/// saved) never do.
fn quit(m: &mut Model) -> Vec<Cmd> {
    if m.touched && m.menu.is_none() && m.step != Step::Done {
        m.overlay = Some(Overlay::ConfirmQuit);
        return Vec::new();
    }
    m.quit = true;
    vec![Cmd::Quit]
}

/// ↑ ↓ j k and the digits in the start menu, or in the focused list of a step.
fn in_list(m: &mut Model, action: Action) {
    let moved = |now: usize, len: usize| match action {
        Action::ListUp => Some(choice_list::step(now, len, -1)),
        Action::ListDown => Some(choice_list::step(now, len, 1)),
        Action::Pick(n) => choice_list::by_number(n, len),
        _ => None,
    };
    if let Some(menu) = m.menu.as_mut() {
        match moved(menu.cursor, menu.entries().len()) {
            Some(i) => menu.cursor = i,
            None => menu_hint(m),
        }
        return;
    }
    match steps::list(m).and_then(|(now, len)| moved(now, len)) {
        Some(i) => steps::choose(m, i),
        None => keys_hint(m),
    }
}

fn edit(m: &mut Model, key: KeyEvent) {
    let url_field = matches!(m.focus, Focus::Callback | Focus::Website);
    let preset_before = m.urls.preset;
    let Some(field) = focused_field(m) else {
        return;
    };
    match field.handle_key(key) {
        Edit::Changed => {
            m.typing = true;
            edited(m);
            if url_field {
                left_preset(m, preset_before);
            }
        }
        Edit::Moved => {}
        Edit::Ignored => {
            if let KeyCode::Char(_) = key.code {
                if field.value().chars().count() >= MAX_FIELD_CHARS {
                    m.set_status(StatusKind::Warn, "This field is full.");
                }
            }
        }
    }
}

fn edited(m: &mut Model) {
    m.touched = true;
    m.warned = false;
    steps::on_edit(m);
}

/// After a key changed a URL field: its warnings show at once (a URL's exact value is what
/// matters, and a typed `c` meant as a copy must not pass unseen), and a value that left its
/// preset says so in the status line.
fn left_preset(m: &mut Model, before: usize) {
    let all = crate::presets::presets();
    let now_custom = all.get(m.urls.preset).is_some_and(|p| p.is_custom());
    // `typing` stays on while the value is no preset's (c and p type); a value that is a
    // preset's again answers c and p again.
    m.typing = now_custom;
    if let Some(p) = all.get(before).filter(|p| !p.is_custom() && now_custom) {
        m.set_status(
            StatusKind::Warn,
            format!("Changed from the {} preset: now Custom.", p.label),
        );
    }
}

fn focused_field(m: &mut Model) -> Option<&mut super::widgets::text_field::TextField> {
    match m.focus {
        Focus::Callback => Some(&mut m.urls.callback),
        Focus::Website => Some(&mut m.urls.website),
        Focus::ClientId => Some(&mut m.credentials.client_id),
        Focus::Secret => Some(&mut m.credentials.secret),
        Focus::ProfileName => Some(&mut m.credentials.profile),
        Focus::RedirectPaste => Some(&mut m.auth.paste),
        _ => None,
    }
}

fn on_paste(m: &mut Model, raw: &str) {
    m.status = None;
    // A field still holding its preset's value (not opened with e) takes a paste whole.
    let replace = steps::urls::holds_preset_value(m);
    m.typing = false;
    if m.overlay.is_some() {
        return;
    }
    let text = clean_paste(raw);
    let Some(field) = focused_field(m) else {
        m.set_status(
            StatusKind::Info,
            "Nothing takes a paste here: Tab to a text field first.",
        );
        return;
    };
    if text.is_empty() {
        m.set_status(
            StatusKind::Warn,
            "The paste held no text (only spaces or control characters).",
        );
        return;
    }
    let n = text.chars().count();
    if replace && n <= MAX_FIELD_CHARS {
        field.set("");
    }
    if !field.insert_str(&text) {
        m.set_status(
            StatusKind::Error,
            format!("That paste is {n} characters, too long for this field. Nothing was pasted."),
        );
        return;
    }
    edited(m);
    if text.len() != raw.trim().len() {
        m.set_status(
            StatusKind::Warn,
            "Pasted; control characters and escape sequences were removed.",
        );
    }
}

fn move_focus(m: &mut Model, delta: isize) {
    let list = focus::focusables(m);
    let now = list.iter().position(|f| *f == m.focus).unwrap_or(0);
    let n = list.len() as isize;
    let next = (now as isize + delta).rem_euclid(n.max(1)) as usize;
    if let Some(f) = list.get(next) {
        m.focus = *f;
    }
    m.typing = false;
    m.scroll = None;
}

fn back(m: &mut Model) -> Vec<Cmd> {
    if m.step == Step::Authorize {
        if matches!(m.auth.phase, Phase::Verifying | Phase::Saving) {
            m.set_status(StatusKind::Info, "Saving the token: one moment.");
            return Vec::new();
        }
        m.auth.phase = Phase::Preparing;
        m.auth.pending = None;
        m.auth.listener = None;
        focus::enter(m, Step::Credentials);
        return vec![Cmd::CancelAuth];
    }
    match m.step.prev() {
        Some(prev) => focus::enter(m, prev),
        None if m.menu_back.is_some() => m.menu = m.menu_back.take(),
        None => m.set_status(StatusKind::Info, "This is the first step. q quits."),
    }
    Vec::new()
}

fn advance(m: &mut Model) -> Vec<Cmd> {
    // Enter shows the warnings that waited while a value was typed.
    m.typing = false;
    if m.step == Step::Authorize {
        if m.focus == Focus::RedirectPaste && !m.auth.paste.is_empty() {
            let text = m.auth.paste.value().to_string();
            return steps::authorize::try_redirect(m, &text);
        }
        m.set_status(
            StatusKind::Info,
            "Open the link, click Authorize app, then paste the address X sends you to.",
        );
        return Vec::new();
    }
    let checks = steps::checks(m);
    if let Some((focus, Check::Error(msg))) = checks.iter().find(|(_, c)| c.is_error()) {
        m.tried = true;
        m.focus = *focus;
        m.scroll = None;
        m.set_status(StatusKind::Error, msg.clone());
        return Vec::new();
    }
    if !m.warned {
        if let Some((focus, Check::Warn(msg))) =
            checks.iter().find(|(_, c)| matches!(c, Check::Warn(_)))
        {
            m.warned = true;
            m.focus = *focus;
            m.set_status(
                StatusKind::Warn,
                format!("{msg} Enter again goes on anyway."),
            );
            return Vec::new();
        }
    }
    if m.step == Step::Credentials {
        // Before anyone logs in: would the save replace a profile?
        return vec![Cmd::CheckProfile {
            name: m.credentials.profile.value().to_string(),
        }];
    }
    if let Some(next) = m.step.next() {
        focus::enter(m, next);
    }
    Vec::new()
}

fn scroll(m: &mut Model, pages: i32) {
    let (now, max, page) = super::view::scroll_bounds(m);
    let next = (i32::from(now) + pages * i32::from(page.max(1))).clamp(0, i32::from(max));
    m.scroll = Some(u16::try_from(next).unwrap_or(0));
}

fn toggle_reveal(m: &mut Model) {
    if m.app_type.is_confidential() && matches!(m.step, Step::Credentials | Step::Done) {
        m.credentials.reveal = !m.credentials.reveal;
    }
}

fn copy(m: &mut Model) -> Vec<Cmd> {
    match steps::copy_target(m) {
        Some((what, text)) => vec![Cmd::Copy { what, text }],
        None => {
            m.set_status(StatusKind::Info, nothing_here(m));
            Vec::new()
        }
    }
}

fn print(m: &mut Model) -> Vec<Cmd> {
    if m.focus == Focus::HandoffSecret && !m.credentials.reveal {
        m.set_status(
            StatusKind::Info,
            "Ctrl-R shows the secret first; c copies it without showing it.",
        );
        return Vec::new();
    }
    match steps::copy_target(m) {
        Some((title, text)) => {
            m.overlay = Some(Overlay::Plain);
            vec![Cmd::ShowPlain { title, text }]
        }
        None => {
            m.set_status(StatusKind::Info, nothing_here(m));
            Vec::new()
        }
    }
}

fn nothing_here(m: &Model) -> &'static str {
    if m.focus == Focus::Secret {
        "Ctrl-R shows the secret first; then it can be copied."
    } else if m.focus.is_text() {
        "The field is empty: nothing to copy yet."
    } else {
        "Nothing to copy here: Tab to a value first."
    }
}
