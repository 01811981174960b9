//! One file per screen: what it draws, which widgets take the focus, its own keys,
//! and what it checks before the wizard moves on.

pub mod app_type;
pub mod authorize;
pub mod create_app;
pub mod credentials;
pub mod done;
pub mod permissions;
pub mod urls;

use crossterm::event::KeyEvent;

use super::model::{Focus, Model, Step};
use super::widgets::body::Body;
use super::widgets::text_field::TextField;
use crate::validate::Check;

/// The focusable widgets of the current screen, in Tab order.
pub fn focusables(m: &Model) -> Vec<Focus> {
    match m.step {
        Step::CreateApp => vec![Focus::Place, Focus::PortalUrl],
        Step::Permissions => vec![Focus::Level, Focus::Scopes],
        Step::AppType => vec![Focus::AppType],
        Step::Urls => vec![Focus::Preset, Focus::Callback, Focus::Website],
        Step::Credentials => credentials::focusables(m),
        Step::Authorize => {
            let mut v = vec![Focus::AuthUrl, Focus::RedirectPaste];
            if authorize::ssh_hint(m).is_some() {
                v.push(Focus::SshHint);
            }
            v
        }
        Step::Done => done::focusables(m),
    }
}

/// Draws the current screen's body.
pub fn render(m: &Model, body: &mut Body) {
    match m.step {
        Step::CreateApp => create_app::render(m, body),
        Step::Permissions => permissions::render(m, body),
        Step::AppType => app_type::render(m, body),
        Step::Urls => urls::render(m, body),
        Step::Credentials => credentials::render(m, body),
        Step::Authorize => authorize::render(m, body),
        Step::Done => done::render(m, body),
    }
}

/// The screen's own keys outside text fields (list moves, toggles). True when handled.
pub fn on_key(m: &mut Model, key: KeyEvent) -> bool {
    match m.step {
        Step::CreateApp => create_app::on_key(m, key),
        Step::Permissions => permissions::on_key(m, key),
        Step::AppType => app_type::on_key(m, key),
        Step::Urls => urls::on_key(m, key),
        _ => false,
    }
}

/// Called after a text field changed.
pub fn on_edit(m: &mut Model) {
    if m.step == Step::Urls {
        urls::on_edit(m);
    }
}

/// What the screen's fields hold that is wrong (errors) or odd (warnings), by widget.
pub fn checks(m: &Model) -> Vec<(Focus, Check)> {
    match m.step {
        Step::Permissions => permissions::checks(m),
        Step::Urls => urls::checks(m),
        Step::Credentials => credentials::checks(m),
        _ => Vec::new(),
    }
}

/// The value the focused widget offers to copy or print: (what it is, the text).
pub fn copy_target(m: &Model) -> Option<(String, String)> {
    let v = |what: &str, text: &str| Some((what.to_string(), text.to_string()));
    match m.focus {
        Focus::Place | Focus::PortalUrl => {
            let place = crate::guide::guide().place(m.place);
            v(&format!("{} address", place.label), &place.url)
        }
        Focus::Scopes | Focus::Level => v("Scopes", &m.permissions.scopes.join(" ")),
        Focus::Callback => v("Callback URL", m.urls.callback.value()),
        Focus::Website => v("Website URL", m.urls.website.value()),
        Focus::ClientId => v("Client ID", m.credentials.client_id.value()),
        Focus::Secret if m.credentials.reveal => v("Client Secret", m.credentials.secret.value()),
        Focus::AuthUrl | Focus::RedirectPaste => m
            .auth
            .pending
            .as_ref()
            .and_then(|p| v("Authorization link", &p.url)),
        Focus::SshHint => authorize::ssh_hint(m).map(|h| ("SSH command".to_string(), h)),
        Focus::HandoffClientId => m
            .outcome
            .as_ref()
            .and_then(|o| v("Client ID", &o.profile.app.client_id)),
        // Copying does not show it: the secret goes to the service's form unseen.
        Focus::HandoffSecret => m
            .outcome
            .as_ref()
            .and_then(|o| o.profile.app.client_secret.as_deref())
            .and_then(|s| v("Client Secret", s)),
        Focus::ProfilePath => m
            .outcome
            .as_ref()
            .and_then(|o| v("Profile path", &o.path.display().to_string())),
        _ => None,
    }
    .filter(|(_, text)| !text.is_empty())
}

/// Whether the focused widget offers a copy key: when it holds a value, and in the text
/// fields always (an empty one says so), so the keys shown do not change as a field fills.
pub fn offers_copy(m: &Model) -> bool {
    matches!(m.focus, Focus::Callback | Focus::Website | Focus::ClientId)
        || copy_target(m).is_some()
}

/// The check of one widget, as the screen shows it: an error on an empty field waits until
/// Enter was tried, so a new screen does not open with red text. A warning on the field being
/// typed into waits for Enter or a change of focus: a value typed key by key passes through
/// lengths that are too short (or look like an API Key), and a message that came and went
/// with every key would only flicker. A paste is checked at once, and so is a URL field.
pub fn shown_check(m: &Model, focus: Focus, empty: bool) -> Option<Check> {
    let c = checks(m).into_iter().find(|(f, _)| *f == focus)?.1;
    match c {
        Check::Ok => None,
        Check::Error(_) if empty && !m.tried => None,
        // A URL's warnings show at once: its exact value is what X compares.
        Check::Warn(_)
            if m.typing
                && m.focus == focus
                && !matches!(focus, Focus::Callback | Focus::Website) =>
        {
            None
        }
        c => Some(c),
    }
}

/// A labelled text field with its check under it; marks the focus and the cursor.
pub fn render_field(
    m: &Model,
    body: &mut Body,
    focus: Focus,
    label: &str,
    label_width: usize,
    field: &TextField,
    reveal: bool,
) {
    let start = body.lines.len();
    let focused = m.focus == focus;
    let (line, col) = field.line(label, label_width, body.width, focused, reveal, &body.theme);
    body.push(line);
    if focused {
        body.cursor_here(col);
    }
    render_check(
        body,
        shown_check(m, focus, field.is_empty()),
        label_width + 3,
    );
    if focused {
        body.focus_from(start);
    }
}

/// Adds a field's error or warning under it, indented to the value column.
pub fn render_check(body: &mut Body, check: Option<Check>, indent: usize) {
    let pad = " ".repeat(indent);
    match check {
        Some(Check::Error(msg)) => {
            let style = body.theme.error();
            body.prefixed(&format!("{pad}✗ "), &msg, style);
        }
        Some(Check::Warn(msg)) => {
            let style = body.theme.warning();
            body.prefixed(&format!("{pad}! "), &msg, style);
        }
        _ => {}
    }
}

/// The screen's words, in the guide's order: intro, numbered lines, warning, note.
pub fn render_intro(m: &Model, body: &mut Body) {
    let g = crate::guide::guide().step(m.step.id());
    body.text(&say(m, &g.intro), ratatui::style::Style::new());
}

/// A screen's words with the chosen place's names in them ("User authentication settings"
/// in the portal, plain words for the console).
pub fn say(m: &Model, text: &str) -> String {
    crate::guide::guide().place(m.place).words(text)
}

pub fn render_lines(m: &Model, body: &mut Body) {
    let g = crate::guide::guide().step(m.step.id());
    for (i, line) in g.lines.iter().enumerate() {
        body.prefixed(
            &format!("{:>2}. ", i + 1),
            &say(m, line),
            ratatui::style::Style::new(),
        );
    }
}

pub fn render_outro(m: &Model, body: &mut Body) {
    let g = crate::guide::guide().step(m.step.id());
    if !g.warning.is_empty() {
        body.blank();
        body.warning(&say(m, &g.warning));
    }
    if !g.note.is_empty() {
        body.blank();
        let style = body.theme.dim();
        body.text(&say(m, &g.note), style);
    }
}
