//! The body of a screen: one column of lines, wrapped to the width, that the view scrolls.
//! Widgets add their lines here too, and say where the focus and the cursor are, so the view
//! can keep the focused widget in sight.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use crate::text::{beside, wrap, BELOW};
use crate::theme::Theme;

pub struct Body {
    pub lines: Vec<Line<'static>>,
    /// Line index and column of the terminal cursor (the focused text field).
    pub cursor: Option<(usize, u16)>,
    /// First and last line of the focused widget.
    pub focus: Option<(usize, usize)>,
    pub width: u16,
    pub theme: Theme,
}

impl Body {
    pub fn new(width: u16, theme: Theme) -> Self {
        Body {
            lines: Vec::new(),
            cursor: None,
            focus: None,
            width,
            theme,
        }
    }

    pub fn blank(&mut self) {
        self.lines.push(Line::default());
    }

    pub fn push(&mut self, line: Line<'static>) {
        self.lines.push(line);
    }

    /// Wrapped text with a prefix on the first line and a hanging indent after it.
    pub fn prefixed(&mut self, prefix: &str, text: &str, style: Style) {
        if text.is_empty() {
            return;
        }
        let indent = prefix.width();
        let avail = usize::from(self.width).saturating_sub(indent).max(10);
        for (i, row) in wrap(text, avail).into_iter().enumerate() {
            let lead = if i == 0 {
                prefix.to_string()
            } else {
                " ".repeat(indent)
            };
            self.lines.push(Line::from(vec![
                Span::styled(lead, style),
                Span::styled(row, style),
            ]));
        }
    }

    /// A shell command to copy: never cut or broken inside a word or a quoted string. When it
    /// is wider than the body it goes on over lines that end with ` \`, as a shell reads it
    /// (see [`shell_lines`]).
    pub fn command(&mut self, prefix: &str, cmd: &str, style: Style) {
        let avail = usize::from(self.width).saturating_sub(prefix.width());
        let indent = " ".repeat(prefix.width());
        for (i, row) in shell_lines(cmd, avail).into_iter().enumerate() {
            let lead = if i == 0 { prefix } else { indent.as_str() };
            self.lines.push(Line::from(vec![
                Span::styled(lead.to_string(), style),
                Span::styled(row, style),
            ]));
        }
    }

    /// A label and its value (`lead` is the marker and the padded label): side by side when
    /// the value's widest word fits beside the label, else the label on a row of its own and
    /// the value under it (see [`crate::text::beside`]), so a URL or a path is never broken or cut while a
    /// row could hold it whole.
    pub fn labelled(&mut self, lead: &str, value: &str, style: Style) {
        let widest = value
            .split(' ')
            .map(UnicodeWidthStr::width)
            .max()
            .unwrap_or(0);
        if beside(lead.width(), widest, self.width) {
            self.prefixed(lead, value, style);
        } else {
            self.lines
                .push(Line::from(Span::styled(lead.trim_end().to_string(), style)));
            self.prefixed(&" ".repeat(BELOW), value, style);
        }
    }

    pub fn text(&mut self, text: &str, style: Style) {
        self.prefixed("", text, style);
    }

    /// A warning: marked with "!" so it does not depend on colour.
    pub fn warning(&mut self, text: &str) {
        let style = self.theme.warning();
        self.prefixed("! ", text, style);
    }

    /// Marks the lines pushed since `start` as the focused widget.
    pub fn focus_from(&mut self, start: usize) {
        let end = self.lines.len().saturating_sub(1).max(start);
        self.focus = Some((start, end));
    }
}

/// A shell command in rows of at most `width` columns: broken only between words outside
/// quotes, each row but the last ending with ` \` and the rows after the first indented by
/// two spaces, so that pasted whole it is the same command. A word wider than a row keeps a
/// row of its own, whole.
pub fn shell_lines(cmd: &str, width: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    for c in cmd.chars() {
        match (c, quote) {
            (' ', None) => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                continue;
            }
            ('"' | '\'', None) => quote = Some(c),
            (c, Some(q)) if c == q => quote = None,
            _ => {}
        }
        word.push(c);
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    for w in words {
        // Room for " \" at the end of a row that goes on.
        let lead = if rows.is_empty() { 0 } else { 2 };
        if !row.is_empty() && lead + row.width() + 1 + w.width() + 2 > width {
            rows.push(format!("{row} \\"));
            row = String::new();
        }
        if row.is_empty() {
            if !rows.is_empty() {
                row.push_str("  ");
            }
        } else {
            row.push(' ');
        }
        row.push_str(&w);
    }
    rows.push(row);
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_go_on_with_a_backslash_and_never_break_a_quoted_word() {
        let cmd = "curl -H \"Authorization: Bearer $(xconnect token default)\" https://api.x.com/2/users/me";
        assert_eq!(shell_lines(cmd, 120), vec![cmd]);
        assert_eq!(
            shell_lines(cmd, 60),
            vec![
                "curl -H \"Authorization: Bearer $(xconnect token default)\" \\",
                "  https://api.x.com/2/users/me",
            ]
        );
        for row in shell_lines(cmd, 60) {
            assert!(row.width() <= 60, "{row}");
        }
        assert_eq!(shell_lines("ab cd", 4), vec!["ab \\", "  cd"]);
    }
}
