//! Step 1: create the app, in the X Developer Portal or the newer Developer Console: the
//! choice of place, its address (copyable) and its own steps. The choice also names the
//! pages the later screens send the person to.

use ratatui::text::{Line, Span};

use super::shared::{render_intro, render_outro};
use crate::guide::guide;
use crate::wizard::model::{Focus, Model};
use crate::wizard::widgets::body::Body;
use crate::wizard::widgets::choice_list;

pub fn render(m: &Model, body: &mut Body) {
    render_intro(m, body);
    body.blank();
    let items: Vec<(&str, &str)> = guide()
        .place
        .iter()
        .map(|p| (&*p.label, &*p.description))
        .collect();
    choice_list::render(body, &items, m.place, m.focus == Focus::Place, false);
    body.blank();
    let place = guide().place(m.place);
    copyable(body, "", &place.url, m.focus == Focus::PortalUrl);
    body.blank();
    for (i, line) in place.lines.iter().enumerate() {
        body.prefixed(
            &format!("{:>2}. ", i + 1),
            line,
            ratatui::style::Style::new(),
        );
    }
    render_outro(m, body);
}

/// Chooses the place where the app is made.
pub fn choose(m: &mut Model, i: usize) {
    if i < guide().place.len() {
        m.place = i;
        m.touched = true;
    }
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
