//! A list of choices, one chosen (radio buttons). The cursor and the choice move together.

use ratatui::text::{Line, Span};

use super::body::Body;

/// Adds one line per item: "› (•) 1. Label  description" (or the description wrapped on the
/// lines below it with `desc_below`, or when it does not fit beside the label). The chosen
/// item is marked "(•)" and, when the list has the focus, "›" and reverse video: never colour
/// alone.
///
/// Reverse video covers the marker, the number and the whole choice name ("Native App (Public
/// client)"), not the padding after it, so that moving the choice rewrites few cells.
/// Numbers are right-aligned, so a list of ten or more keeps its names in one column.
pub fn render(
    body: &mut Body,
    items: &[(&str, &str)],
    chosen: usize,
    focused: bool,
    desc_below: bool,
) {
    render_from(body, items, 0, chosen, focused, desc_below, items.len());
}

/// [`render`] for a window of a longer list: `items` are the entries from `first` on, of
/// `total` (which sets the numbers' width); `chosen` counts from the list's start.
pub fn render_from(
    body: &mut Body,
    items: &[(&str, &str)],
    first: usize,
    chosen: usize,
    focused: bool,
    desc_below: bool,
    total: usize,
) {
    let start = body.lines.len();
    let label_w = items
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let theme = body.theme;
    let digits = total.max(1).to_string().len();
    for (i, (label, desc)) in (first..).zip(items) {
        let on = i == chosen;
        let marker = if on && focused { "›" } else { " " };
        let radio = if on { "(•)" } else { "( )" };
        let head = format!("{marker} {radio} {:>digits$}. {label}", i + 1);
        let pad = if desc_below {
            0
        } else {
            label_w.saturating_sub(label.chars().count())
        };
        let head_style = if on && focused {
            theme.selected()
        } else if on {
            theme.title()
        } else {
            ratatui::style::Style::new()
        };
        let width = head.chars().count() + pad;
        let mut spans = vec![Span::styled(head, head_style)];
        let desc_w = unicode_width::UnicodeWidthStr::width(*desc);
        // A description that does not fit beside its name goes under it, whole (the rule
        // of a label and its value, `text::beside`).
        if desc_below || (!desc.is_empty() && !crate::text::beside(width + 2, desc_w, body.width)) {
            body.push(Line::from(spans));
            let style = theme.dim();
            body.prefixed("         ", desc, style);
            continue;
        }
        if pad > 0 {
            spans.push(Span::raw(" ".repeat(pad)));
        }
        if !desc.is_empty() {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(desc.to_string(), theme.dim()));
        }
        body.push(Line::from(spans));
    }
    if focused {
        body.focus_from(start);
    }
}

/// Moves a choice by `delta`, clamped to the list.
pub fn step(chosen: usize, len: usize, delta: isize) -> usize {
    let max = len.saturating_sub(1);
    chosen.saturating_add_signed(delta).min(max)
}

/// The number keys choose directly: 1 is the first item.
pub fn by_number(n: u8, len: usize) -> Option<usize> {
    let n = usize::from(n);
    (1..=len).contains(&n).then(|| n - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_clamp_and_digits_choose() {
        assert_eq!(step(0, 3, -1), 0);
        assert_eq!(step(2, 3, 1), 2);
        assert_eq!(step(1, 3, 1), 2);
        assert_eq!(by_number(2, 3), Some(1));
        assert_eq!(by_number(4, 3), None);
        assert_eq!(by_number(0, 3), None);
    }

    #[test]
    fn ten_or_more_keep_one_column_and_the_highlight_covers_the_whole_name() {
        use crate::theme::Theme;
        let names: Vec<String> = (1..=12).map(|i| format!("p{i}")).collect();
        let items: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "")).collect();
        let mut body = Body::new(80, Theme::plain());
        render(&mut body, &items, 0, true, false);
        let text = |l: &Line| {
            l.spans
                .iter()
                .map(|s| s.content.as_ref())
                .collect::<String>()
        };
        assert_eq!(text(&body.lines[0]).trim_end(), "› (•)  1. p1");
        assert_eq!(text(&body.lines[9]).trim_end(), "  ( ) 10. p10");

        let mut body = Body::new(80, Theme::plain());
        render(
            &mut body,
            &[
                ("Native App (Public client)", ""),
                ("Web App (Confidential)", ""),
            ],
            0,
            true,
            false,
        );
        assert_eq!(
            body.lines[0].spans[0].content,
            "› (•) 1. Native App (Public client)"
        );
    }
}
