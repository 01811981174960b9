//! A line drawn on one row of the screen. ratatui draws text grapheme by grapheme, measuring
//! each (three passes over a line); nearly all of the wizard's words are characters that are
//! each one grapheme and one cell wide (ASCII, and the few symbols it draws with), which are
//! put straight into the cells. Anything else, and any alignment but the left, goes through
//! ratatui, so what lands in the buffer is the same either way (the tests below hold the two
//! side by side for every such character, and `tests/properties.rs` for random lines).

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// Draws `line` on the first row of `area`, cut at its right edge, exactly as
/// `line.render(area, buf)` would.
pub fn draw_line(line: &Line, area: Rect, buf: &mut Buffer) {
    if !matches!(line.alignment, None | Some(Alignment::Left)) {
        line.render(area, buf);
        return;
    }
    let area = area.intersection(buf.area);
    if area.is_empty() || line.spans.iter().all(|s| width(s) == 0) {
        return;
    }
    let area = Rect { height: 1, ..area };
    buf.set_style(area, line.style);
    let (mut x, y) = (area.x, area.y);
    for span in &line.spans {
        if x >= area.right() {
            break;
        }
        if one_cell_each(&span.content) {
            let start = buf.index_of(x, y);
            let room = usize::from(area.right() - x);
            let cells = &mut buf.content[start..start + room];
            let mut drawn = 0u16;
            for (cell, c) in cells.iter_mut().zip(span.content.chars()) {
                cell.set_char(c).set_style(span.style);
                drawn += 1;
            }
            x += drawn;
        } else {
            span.render(Rect::new(x, y, area.right() - x, 1), buf);
            x = x.saturating_add(u16::try_from(span.width()).unwrap_or(u16::MAX));
        }
    }
}

/// Characters that are each a grapheme of their own and one cell wide: printable ASCII, and
/// the blocks the wizard draws with (Latin-1, dashes and quotes, arrows, box drawing and
/// shapes, ticks and crosses). None joins a neighbour or is wide; a test tries every one.
fn one_cell(c: char) -> bool {
    matches!(c,
        ' '..='~'
        | '\u{a1}'..='\u{ac}'
        | '\u{ae}'..='\u{ff}'
        | '\u{2010}'..='\u{2027}'
        | '\u{2190}'..='\u{21ff}'
        | '\u{2500}'..='\u{25fc}'
        | '\u{2713}'..='\u{2718}')
}

fn one_cell_each(s: &str) -> bool {
    if s.is_ascii() {
        return crate::text::is_printable_ascii(s);
    }
    s.chars().all(one_cell)
}

fn width(span: &Span) -> usize {
    if one_cell_each(&span.content) {
        span.content.chars().count()
    } else {
        span.width()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character taken as one cell each, alone, doubled, and between ASCII: ratatui
    /// draws it in one cell too, so it is neither wide nor joined to what is beside it.
    #[test]
    fn every_one_cell_character_is_drawn_as_ratatui_draws_it() {
        let chars = (0..=0x2fffu32)
            .filter_map(char::from_u32)
            .filter(|c| one_cell(*c));
        let mut n = 0;
        for c in chars {
            n += 1;
            for text in [format!("{c}"), format!("{c}{c}"), format!("a{c}b")] {
                let l = Line::from(text.clone());
                let area = Rect::new(0, 0, 4, 1);
                let (mut theirs, mut ours) = (Buffer::empty(area), Buffer::empty(area));
                (&l).render(area, &mut theirs);
                draw_line(&l, area, &mut ours);
                assert_eq!(ours, theirs, "{text:?} (U+{:04X})", u32::from(c));
                assert_eq!(l.width(), text.chars().count(), "{text:?}");
            }
        }
        assert!(n > 500, "{n} characters");
    }

    #[test]
    fn a_plain_line_is_cut_at_the_edge_of_its_area() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        draw_line(
            &Line::from(vec![Span::raw("Step 1 "), Span::raw("of 5")]),
            Rect::new(2, 0, 6, 1),
            &mut buf,
        );
        assert_eq!(buf, Buffer::with_lines(["  Step 1  "]));
    }
}
