//! Styles. With `NO_COLOR` set, no colour is used; meaning is never carried by colour alone
//! (markers such as ›, ✓ and ! say it in text), so only bold/reverse/underline remain.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Reads `NO_COLOR` (any non-empty value turns colour off, per no-color.org).
    pub fn from_env(env: &crate::settings::Env) -> Self {
        let no_color = env.is_set("NO_COLOR");
        Theme { color: !no_color }
    }

    pub const fn plain() -> Self {
        Theme { color: false }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn value(&self) -> Style {
        self.fg(Color::Cyan)
    }
    /// The highlighted row of a list or the focused field.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    /// A text field's input area.
    pub fn field(&self) -> Style {
        Style::new().add_modifier(Modifier::UNDERLINED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_keeps_modifiers_but_drops_colours() {
        let t = Theme::plain();
        for s in [
            t.title(),
            t.error(),
            t.warning(),
            t.ok(),
            t.value(),
            t.dim(),
            t.key(),
        ] {
            assert_eq!(s.fg, None);
        }
        assert!(t.selected().add_modifier.contains(Modifier::REVERSED));
        assert!(Theme { color: true }.error().fg.is_some());
    }
}
