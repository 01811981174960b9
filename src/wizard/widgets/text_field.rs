//! A one-line text field: the value, a cursor, and the usual editing keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use crate::theme::Theme;

/// Longest value a field takes. URLs, IDs and secrets are far shorter; a bigger paste is refused
/// as a whole rather than cut, so nothing half-pasted is ever used.
pub const MAX_FIELD_CHARS: usize = 4096;

#[derive(Clone, Default, PartialEq, Eq)]
pub struct TextField {
    value: String,
    /// Byte index of the cursor, always on a char boundary.
    cursor: usize,
    /// Drawn as bullets unless revealed.
    pub masked: bool,
}

/// A masked field never shows its value, not even in debug output.
impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("TextField");
        if self.masked {
            d.field("value", &"…redacted…");
        } else {
            d.field("value", &self.value);
        }
        d.field("cursor", &self.cursor).finish()
    }
}

/// What a key did to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// The value changed.
    Changed,
    /// Only the cursor moved.
    Moved,
    /// Not an editing key: the caller handles it.
    Ignored,
}

impl TextField {
    pub fn new(value: &str) -> Self {
        TextField {
            value: value.to_string(),
            cursor: value.len(),
            masked: false,
        }
    }

    pub fn masked() -> Self {
        TextField {
            masked: true,
            ..TextField::default()
        }
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Replaces the value; the cursor goes to its end.
    pub fn set(&mut self, value: &str) {
        self.value = value.to_string();
        self.cursor = self.value.len();
    }

    /// Inserts already-cleaned text at the cursor. Refuses (returns false) when the result
    /// would be longer than [`MAX_FIELD_CHARS`].
    pub fn insert_str(&mut self, s: &str) -> bool {
        if self.value.chars().count() + s.chars().count() > MAX_FIELD_CHARS {
            return false;
        }
        self.value.insert_str(self.cursor, s);
        self.cursor += s.len();
        true
    }

    fn prev_boundary(&self) -> usize {
        self.value[..self.cursor]
            .char_indices()
            .next_back()
            .map_or(0, |(i, _)| i)
    }

    fn next_boundary(&self) -> usize {
        self.value[self.cursor..]
            .chars()
            .next()
            .map_or(self.cursor, |c| self.cursor + c.len_utf8())
    }

    /// Handles the editing keys: printable characters, Backspace, Delete, ←/→, Home/End,
    /// Ctrl-A/Ctrl-E (start/end), Ctrl-U (delete to start), Ctrl-K (delete to end),
    /// Ctrl-W (delete the word before the cursor).
    pub fn handle_key(&mut self, key: KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char(c) if !ctrl && !alt && !c.is_control() => {
                let mut buf = [0u8; 4];
                if self.insert_str(c.encode_utf8(&mut buf)) {
                    Edit::Changed
                } else {
                    Edit::Ignored
                }
            }
            KeyCode::Char('a') if ctrl => self.move_to(0),
            KeyCode::Char('e') if ctrl => self.move_to(self.value.len()),
            KeyCode::Char('u') if ctrl => {
                self.value.drain(..self.cursor);
                self.cursor = 0;
                Edit::Changed
            }
            KeyCode::Char('k') if ctrl => {
                self.value.truncate(self.cursor);
                Edit::Changed
            }
            KeyCode::Char('w') if ctrl => {
                let before = &self.value[..self.cursor];
                let trimmed = before.trim_end_matches(|c: char| !c.is_alphanumeric());
                let start = trimmed
                    .char_indices()
                    .rev()
                    .find(|(_, c)| !c.is_alphanumeric())
                    .map_or(0, |(i, c)| i + c.len_utf8());
                self.value.drain(start..self.cursor);
                self.cursor = start;
                Edit::Changed
            }
            KeyCode::Backspace => {
                if self.cursor == 0 {
                    return Edit::Moved;
                }
                let p = self.prev_boundary();
                self.value.drain(p..self.cursor);
                self.cursor = p;
                Edit::Changed
            }
            KeyCode::Delete => {
                let n = self.next_boundary();
                if n == self.cursor {
                    return Edit::Moved;
                }
                self.value.drain(self.cursor..n);
                Edit::Changed
            }
            KeyCode::Left => self.move_to(self.prev_boundary()),
            KeyCode::Right => self.move_to(self.next_boundary()),
            KeyCode::Home => self.move_to(0),
            KeyCode::End => self.move_to(self.value.len()),
            _ => Edit::Ignored,
        }
    }

    fn move_to(&mut self, at: usize) -> Edit {
        self.cursor = at;
        Edit::Moved
    }

    /// What fits in `width` columns, and the cursor's column in it. A field without the focus
    /// shows its start; the focused one scrolls to keep the cursor in sight. Every cut is
    /// marked with "…", so a URL is never shown as if it were whole.
    pub fn visible(&self, width: u16, reveal: bool, focused: bool) -> (String, u16) {
        let width = usize::from(width.max(2));
        let shown: Vec<(char, usize)> = self
            .value
            .chars()
            .map(|c| {
                let c = if self.masked && !reveal { '•' } else { c };
                (c, c.width().unwrap_or(0))
            })
            .collect();
        let cursor_chars = self.value[..self.cursor].chars().count();
        let cursor_col: usize = shown[..cursor_chars].iter().map(|(_, w)| w).sum();
        let total: usize = shown.iter().map(|(_, w)| w).sum();
        // Leave one column for the cursor at the end.
        let start_col = if focused {
            cursor_col.saturating_sub(width - 1)
        } else {
            0
        };
        let cut_left = start_col > 0;
        let cut_right = total.saturating_sub(start_col) > width
            || (focused && total.saturating_sub(start_col) == width && cursor_col < total);
        // The columns the marks take are not given to text.
        let first = start_col + usize::from(cut_left);
        let room = width - usize::from(cut_left) - usize::from(cut_right);
        let mut out = String::new();
        if cut_left {
            out.push('…');
        }
        let (mut col, mut used) = (0, 0);
        for (c, w) in shown {
            if col >= first {
                if used + w > room {
                    break;
                }
                out.push(c);
                used += w;
            }
            col += w;
        }
        if cut_right {
            out.push('…');
        }
        let cur = u16::try_from(cursor_col.saturating_sub(start_col)).unwrap_or(0);
        (out, cur)
    }

    /// Whether the whole value, and a column for the cursor after it, fits beside a label
    /// padded to `label_width` (see [`Self::lines`] and the rule in `text::beside`).
    pub fn fits_beside(&self, label_width: usize, width: u16) -> bool {
        let value = unicode_width::UnicodeWidthStr::width(self.value.as_str());
        crate::text::beside(label_width + 3, value + 1, width)
    }

    /// The field's rows: a focus marker, the label padded to `label_width`, and the value area
    /// underlined to the end of the row; or, when not `beside`, the label on its own row and
    /// the value area under it from column [`crate::text::BELOW`]. Returns the rows and the
    /// cursor's (row, column).
    #[allow(clippy::too_many_arguments)]
    pub fn lines(
        &self,
        label: &str,
        label_width: usize,
        width: u16,
        beside: bool,
        focused: bool,
        reveal: bool,
        theme: &Theme,
    ) -> (Vec<Line<'static>>, (usize, u16)) {
        let marker = if focused { "› " } else { "  " };
        let head_style = if focused {
            theme.title()
        } else {
            ratatui::style::Style::new()
        };
        let (mut rows, head) = if beside {
            (Vec::new(), format!("{marker}{label:<label_width$} "))
        } else {
            let label_row = Line::from(Span::styled(format!("{marker}{label}"), head_style));
            (vec![label_row], " ".repeat(crate::text::BELOW))
        };
        let head_w = u16::try_from(head.chars().count()).unwrap_or(u16::MAX);
        let field_w = width.saturating_sub(head_w).max(2);
        let (shown, cur) = self.visible(field_w, reveal, focused);
        let pad = usize::from(field_w)
            .saturating_sub(unicode_width::UnicodeWidthStr::width(shown.as_str()));
        rows.push(Line::from(vec![
            Span::styled(
                head,
                if beside {
                    head_style
                } else {
                    Default::default()
                },
            ),
            Span::styled(format!("{shown}{}", " ".repeat(pad)), theme.field()),
        ]));
        let row = rows.len() - 1;
        (rows, (row, head_w + cur))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }
    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    #[test]
    fn edits_at_the_cursor() {
        let mut f = TextField::new("héllo");
        assert_eq!(f.handle_key(key(KeyCode::Left)), Edit::Moved);
        assert_eq!(f.handle_key(key(KeyCode::Backspace)), Edit::Changed);
        assert_eq!(f.value(), "hélo");
        f.handle_key(key(KeyCode::Home));
        f.handle_key(key(KeyCode::Delete));
        assert_eq!(f.value(), "élo");
        f.handle_key(key(KeyCode::Char('X')));
        assert_eq!(f.value(), "Xélo");
        f.handle_key(ctrl('k'));
        assert_eq!(f.value(), "X");
        f.handle_key(ctrl('u'));
        assert_eq!(f.value(), "");
        assert_eq!(f.handle_key(key(KeyCode::Backspace)), Edit::Moved);
        assert_eq!(f.handle_key(key(KeyCode::Tab)), Edit::Ignored);
        assert_eq!(f.handle_key(ctrl('c')), Edit::Ignored);
    }

    #[test]
    fn ctrl_w_deletes_a_word() {
        let mut f = TextField::new("https://example.com/path");
        f.handle_key(ctrl('w'));
        assert_eq!(f.value(), "https://example.com/");
    }

    #[test]
    fn refuses_oversized_inserts_whole() {
        let mut f = TextField::new("ab");
        assert!(!f.insert_str(&"x".repeat(MAX_FIELD_CHARS)));
        assert_eq!(f.value(), "ab");
    }

    #[test]
    fn scrolls_to_keep_the_cursor_visible_and_masks() {
        let mut f = TextField::new("abcdefghij");
        // Focused with the cursor at the end: the tail, the cut on the left marked.
        assert_eq!(f.visible(5, false, true), ("…hij".to_string(), 4));
        // Without the focus: the start, the cut on the right marked.
        assert_eq!(f.visible(5, false, false).0, "abcd…");
        assert_eq!(f.visible(10, false, false).0, "abcdefghij");
        f.handle_key(key(KeyCode::Home));
        assert_eq!(f.visible(5, false, true), ("abcd…".to_string(), 0));
        let wide = TextField::new("日本語のURL");
        assert_eq!(wide.visible(6, false, false).0, "日本…");
        let mut s = TextField::masked();
        s.insert_str("secret");
        assert_eq!(s.visible(10, false, true).0, "••••••");
        assert_eq!(s.visible(10, true, true).0, "secret");
        assert!(!format!("{s:?}").contains("secret"));
    }
}
