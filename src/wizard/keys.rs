//! Key names and the key reference shown by the help overlay (and listed in the README).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Every key, as the help overlay lists it.
pub const HELP: &[(&str, &str)] = &[
    ("Enter  Ctrl-N", "continue (when the screen is complete)"),
    ("Esc  Ctrl-P", "back (b too, outside a text field)"),
    ("Tab  Shift-Tab", "next / previous field"),
    ("↑ ↓  j k  1-9", "choose in a list (j k 1-9 outside fields)"),
    ("← →  h l", "move in the scope grid"),
    ("Space", "toggle a scope"),
    ("c  Ctrl-Y", "copy the focused value"),
    ("p", "print the focused value alone, to select it"),
    ("Ctrl-R", "show / hide the Client Secret"),
    ("PgUp  PgDn", "scroll a long screen"),
    ("?  F1", "this help"),
    ("q", "quit (asks first if you entered something)"),
    ("Ctrl-C", "quit at once, from anywhere"),
    ("In a field", "← → Home End, Ctrl-A/E, Ctrl-U/K/W delete"),
];

pub fn ctrl(key: &KeyEvent, c: char) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char(c)
}

/// A plain character key, without Ctrl or Alt.
pub fn plain(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}
