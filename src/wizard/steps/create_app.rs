//! Step 1: create the app in the X Developer Portal.

use ratatui::text::{Line, Span};

use super::{render_intro, render_lines, render_outro};
use crate::wizard::model::{Focus, Model};
use crate::wizard::widgets::body::Body;
use crate::x::PORTAL_URL;

pub fn render(m: &Model, body: &mut Body) {
    render_intro(m, body);
    body.blank();
    copyable(body, "", PORTAL_URL, m.focus == Focus::PortalUrl);
    body.blank();
    render_lines(m, body);
    render_outro(m, body);
}

/// A value the person copies: marked when focused, with its keys beside it.
pub fn copyable(body: &mut Body, label: &str, value: &str, focused: bool) {
    let start = body.lines.len();
    let theme = body.theme;
    let marker = if focused { "› " } else { "  " };
    let mut spans = vec![Span::raw(marker)];
    if !label.is_empty() {
        spans.push(Span::raw(format!("{label} ")));
    }
    spans.push(Span::styled(value.to_string(), theme.value()));
    if focused {
        spans.push(Span::styled("   c copy · p print", theme.dim()));
    }
    body.push(Line::from(spans));
    if focused {
        body.focus_from(start);
    }
}
