//! What the screens draw with: their words from the guide, labelled fields with their
//! checks under them.

use crate::validate::Check;
use crate::wizard::model::{Focus, Model};
use crate::wizard::widgets::body::Body;
use crate::wizard::widgets::text_field::TextField;

/// The check of one widget, as the screen shows it: an error on an empty field waits until
/// Enter was tried, so a new screen does not open with red text. A warning on the field being
/// typed into waits for Enter or a change of focus: a value typed key by key passes through
/// lengths that are too short (or look like an API Key), and a message that came and went
/// with every key would only flicker. A paste is checked at once, and so is a URL field.
/// `checks` are the screen's (its `checks`).
pub fn shown_check(
    m: &Model,
    checks: &[(Focus, Check)],
    focus: Focus,
    empty: bool,
) -> Option<Check> {
    let c = checks.iter().find(|(f, _)| *f == focus)?.1.clone();
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

/// Whether a screen's text fields go beside their labels: only when every one's value fits
/// there, so the fields of a screen stay in one column (see `text::beside`).
pub fn fields_beside(body: &Body, label_width: usize, fields: &[&TextField]) -> bool {
    fields
        .iter()
        .all(|f| f.fits_beside(label_width, body.width))
}

/// The column a field's value starts at: beside its label, or under it.
pub fn value_column(label_width: usize, beside: bool) -> usize {
    if beside {
        label_width + 3
    } else {
        crate::text::BELOW
    }
}

/// A labelled text field with its check (from the screen's `checks`) under it; marks the
/// focus and the cursor. A masked field (the Client Secret) shows its value after Ctrl-R.
/// `beside` comes from [`fields_beside`] for the screen's fields.
#[allow(clippy::too_many_arguments)]
pub fn render_field(
    m: &Model,
    body: &mut Body,
    checks: &[(Focus, Check)],
    focus: Focus,
    label: &str,
    label_width: usize,
    field: &TextField,
    beside: bool,
) {
    let reveal = m.credentials.reveal;
    let start = body.lines.len();
    let focused = m.focus == focus;
    let (rows, (row, col)) = field.lines(
        label,
        label_width,
        body.width,
        beside,
        focused,
        reveal,
        &body.theme,
    );
    for line in rows {
        body.push(line);
    }
    if focused {
        body.cursor = Some((start + row, col));
    }
    render_check(
        body,
        shown_check(m, checks, focus, field.is_empty()),
        value_column(label_width, beside),
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
