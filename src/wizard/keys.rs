//! Reading a key event: Ctrl and a letter, a plain character, and the rule for a URL field
//! holding its preset's value.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does in a URL field that holds its preset's value unchanged (and was not opened
/// for editing with e).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPresetValue {
    /// c: copy the value, as on the other screens.
    Copy,
    /// p: print the value alone.
    Print,
    /// e: start editing; c and p type from then on (until the focus leaves the field).
    Edit,
}

/// The rule for a URL field holding its preset's value: c copies, p prints, e edits; any
/// other key (`None`) edits the field as usual, and the changed value is no preset's any more.
pub fn on_preset_value(key: &KeyEvent) -> Option<OnPresetValue> {
    match plain(key)? {
        'c' => Some(OnPresetValue::Copy),
        'p' => Some(OnPresetValue::Print),
        'e' => Some(OnPresetValue::Edit),
        _ => None,
    }
}

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
